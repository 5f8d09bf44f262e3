// curl against the registry: the session docs/schemas.md prints runs as printed (the port aside)
// and answers byte for byte; raw status codes of the error paths as curl sees them.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, it } from "node:test";
import { promisify } from "node:util";
import { type RunningRegistry, startRegistry } from "../src/index.js";

const run = promisify(execFile);
let r: RunningRegistry;
before(async () => {
  r = await startRegistry({ port: 0 });
});
after(() => r.close());

async function sh(cmd: string): Promise<string> {
  return (await run("bash", ["-c", cmd])).stdout;
}

it("the curl session of docs/schemas.md answers as printed", async () => {
  const doc = readFileSync(new URL("../../../docs/schemas.md", import.meta.url), "utf8");
  const block = /```text\n(\$ curl[\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(block, "docs/schemas.md shows a curl session");
  const steps: { cmd: string; out: string }[] = [];
  for (const line of block.replace(/\\\n\s*/g, "").split("\n")) {
    if (line.startsWith("$ ")) steps.push({ cmd: line.slice(2), out: "" });
    else if (line !== "") steps[steps.length - 1]!.out += line;
  }
  assert.equal(steps.length, 3);
  for (const s of steps) {
    const got = await sh(s.cmd.replaceAll("http://127.0.0.1:8085", r.url));
    assert.equal(got, s.out, s.cmd);
  }
});

it("curl sees Confluent's status codes on the error paths", async () => {
  const status = (method: string, path: string, body?: string) =>
    sh(
      `curl -s -o /dev/null -w '%{http_code} %{content_type}' -X ${method} -H 'Content-Type: application/vnd.schemaregistry.v1+json' ${
        body === undefined ? "" : `--data '${body}'`
      } '${r.url}${path}'`,
    );
  const ct = "application/vnd.schemaregistry.v1+json";
  assert.equal(await status("GET", "/schemas/ids/77"), `404 ${ct}`);
  assert.equal(
    await status("POST", "/subjects/x/versions", '{"schema":"{\\"type\\":\\"nope\\"}"}'),
    `422 ${ct}`,
  );
  assert.equal(await status("POST", "/subjects/x/versions", "{not json"), `400 ${ct}`);
  assert.equal(
    await status("POST", "/subjects/users-value/versions", '{"schema":"\\"string\\""}'),
    `409 ${ct}`,
  );
  assert.equal(await status("DELETE", "/subjects/users-value?permanent=true"), `404 ${ct}`);
  assert.equal(await status("PUT", "/mode", '{"mode":"READONLY"}'), `200 ${ct}`);
  assert.equal(await status("POST", "/subjects/y/versions", '{"schema":"\\"int\\""}'), `422 ${ct}`);
  assert.equal(await status("PUT", "/mode", '{"mode":"READWRITE"}'), `200 ${ct}`);
  assert.equal(await status("PATCH", "/subjects"), `405 ${ct}`);
  // The raw schema of /schema paths, as curl prints it.
  assert.equal(
    await sh(`curl -s '${r.url}/subjects/users-value/versions/1/schema'`),
    await sh(`curl -s '${r.url}/schemas/ids/1/schema'`),
  );
  assert.match(await sh(`curl -s '${r.url}/schemas/ids/1/schema'`), /^\{"type":"record"/);
  // curl --data sends application/x-www-form-urlencoded, which Confluent's resources do not consume.
  assert.equal(
    await sh(`curl -s -X POST --data '{"schema":"\\"int\\""}' '${r.url}/subjects/x/versions'`),
    '{"error_code":415,"message":"HTTP 415 Unsupported Media Type"}',
  );
  const body = await sh(
    `curl -s -X POST -H 'Content-Type: application/json' --data '{"schema":"{\\"type\\":\\"nope\\"}"}' '${r.url}/subjects/x/versions'`,
  );
  assert.equal(JSON.parse(body).error_code, 42201);
  assert.match(JSON.parse(body).message, /nope/, "the parser's message");
});
