// `fleuve registry` without --port serves on 127.0.0.1:8085, Confluent's default. Binding 8085 for
// real would make the test depend on that port being free on a shared machine, so the test records
// the address the command asks the OS for (net.Server#listen, through which every Node server
// binds), and binds an ephemeral port instead; the registry then serves there and the startup line
// names it. A run with --port and --host shows the recording sees what the options say.
import assert from "node:assert/strict";
import net from "node:net";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { registryCommand } from "../src/registry-command.js";

/** Runs `fleuve registry <args>` until it prints its startup line; the address it asked to bind. */
async function requestedAddress(args: string[]): Promise<{ port: unknown; host: unknown; line: string }> {
  const requested: { port: unknown; host: unknown }[] = [];
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...a: unknown[]) {
    requested.push({ port: a[0], host: a[1] });
    if (typeof a[0] === "number") a[0] = 0; // bind an ephemeral port, not the requested one
    return (listen as (...x: unknown[]) => net.Server).apply(this, a);
  } as typeof listen;
  const stdout = new PassThrough();
  let out = "";
  let stop!: () => void;
  let started!: () => void;
  const startedP = new Promise<void>((r) => (started = r));
  stdout.setEncoding("utf8").on("data", (d: string) => {
    out += d;
    if (out.includes("\n")) started();
  });
  try {
    const done = registryCommand(args, { stdout, stderr: new PassThrough() }, new Promise((r) => (stop = r)));
    await Promise.race([
      startedP,
      done.then((code) => assert.fail(`exited ${code} before starting: ${out}`)),
    ]);
    const line = out.trim();
    const url = /listening on (http:\S+)/.exec(line)?.[1];
    assert.ok(url, line);
    // It serves where it says.
    const res = await fetch(`${url}/subjects`);
    assert.deepEqual([res.status, await res.json()], [200, []]);
    stop();
    assert.equal(await done, 0);
    assert.equal(requested.length, 1, JSON.stringify(requested));
    return { ...requested[0]!, line };
  } finally {
    net.Server.prototype.listen = listen;
  }
}

test("fleuve registry without --port asks to listen on 127.0.0.1:8085", async () => {
  const r = await requestedAddress(["--memory"]);
  assert.deepEqual([r.port, r.host], [8085, "127.0.0.1"]);
  assert.match(r.line, /^registry listening on http:\/\/127\.0\.0\.1:\d+ \(schemas: /);
});

test("--port and --host are what it asks for", async () => {
  const r = await requestedAddress(["--memory", "--port", "18085", "--host", "localhost"]);
  assert.deepEqual([r.port, r.host], [18085, "localhost"]);
});
