// `fleuve registry` without --port serves on 127.0.0.1:8085, Confluent's default. Binding 8085 for
// real would make the test depend on that port being free on a shared machine, so the test records
// the address the command asks the OS for (net.Server#listen, through which every Node server
// binds), and binds an ephemeral port instead; the registry then serves there and the startup line
// names it. A run with --port and --host shows the recording sees what the options say.
import assert from "node:assert/strict";
import net from "node:net";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { startRegistry } from "@fleuve/registry";
import { registryCommand } from "../src/registry-command.js";
import { fleuve } from "./helpers.js";

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

// `fleuve registry` runs no job: its failures carry codes that say what to fix, not FLEUVE_JOB_FAILED.

test("a port in use is a configuration error naming --port", async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", () => r()));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    const ran = await fleuve("registry", "--memory", "--port", String(port));
    assert.equal(ran.code, 1, ran.stderr);
    assert.equal(
      ran.stderr,
      `error FLEUVE_CONFIG_INVALID: cannot serve the registry: port ${port} on 127.0.0.1 is in use (another registry?); pick another with --port (--port 0 takes a free one)\n`,
    );
  } finally {
    busy.close();
  }
});

test("types of a subject the registry does not have: not found, naming the subject and the registry", async () => {
  const r = await startRegistry({ port: 0 });
  try {
    const ran = await fleuve("registry", "types", "nobody", "--url", r.url);
    assert.equal(ran.code, 1, ran.stderr);
    assert.equal(
      ran.stderr,
      `error FLEUVE_REGISTRY_NOT_FOUND: Subject 'nobody' not found. (error_code 40401; asked for subject 'nobody' version latest of the schema registry at ${r.url})\n`,
    );
    const v = await fleuve("registry", "types", "nobody", "--version", "3", "--url", r.url);
    assert.match(v.stderr, /^error FLEUVE_REGISTRY_NOT_FOUND: .*'nobody' version 3 of the schema registry/);
  } finally {
    await r.close();
  }
});

test("types from a URL nothing answers at: unreachable, naming the URL", async () => {
  // A port that was free a moment ago: nothing listens there now.
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const ran = await fleuve("registry", "types", "users-value", "--url", `http://127.0.0.1:${port}`);
  assert.equal(ran.code, 1, ran.stderr);
  assert.match(
    ran.stderr,
    new RegExp(
      `^error FLEUVE_REGISTRY_UNREACHABLE: no schema registry answers at http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`,
    ),
  );
  const bad = await fleuve("registry", "types", "users-value", "--url", "not a url");
  assert.equal(bad.stderr, "error FLEUVE_CONFIG_INVALID: --url 'not a url' is not a URL\n");
  const badVersion = await fleuve("registry", "types", "users-value", "--version", "two");
  assert.match(
    badVersion.stderr,
    /^error FLEUVE_CONFIG_INVALID: --version: The specified version 'two' is not a valid/,
  );
});
