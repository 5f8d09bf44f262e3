// The registry on a compacted `_schemas` topic of the embedded log: ids and deletes survive a
// restart, a follower (the log opened read-only, as another process opens it) sees the writer's schemas, and a registry killed with
// SIGKILL comes back with the same ids.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { openLog } from "@fleuve/log";
import { LogStore, startRegistry } from "../src/index.js";
import { avroRecord, call, tmpDir, waitFor } from "./fixtures/http.js";

const schema = (i: number) => avroRecord(`S${i}`, [{ name: "f", type: "int" }]);
const BIN = fileURLToPath(new URL("../../cli/bin/fleuve.js", import.meta.url));

describe("LogStore", () => {
  it("keeps ids, versions, deletes, config and mode across a restart, and new ids continue", async () => {
    const dir = tmpDir();
    let r = await startRegistry({ port: 0, store: new LogStore({ dir }) });
    await call(r.url, "PUT", "/config", { compatibility: "NONE" });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await call(r.url, "POST", `/subjects/s${i % 2}/versions`, { schema: schema(i) })).body.id);
    await call(r.url, "PUT", "/mode/s1", { mode: "READONLY" });
    await call(r.url, "PUT", "/mode/s1", { mode: "READWRITE" });
    assert.equal((await call(r.url, "DELETE", "/subjects/s0/versions/1")).body, 1);
    await r.close();

    r = await startRegistry({ port: 0, store: new LogStore({ dir }) });
    try {
      for (let i = 0; i < 5; i++) {
        const a = await call(r.url, "GET", `/schemas/ids/${ids[i]}`);
        assert.equal(a.body.schema, schema(i), `id ${ids[i]} after restart`);
      }
      assert.deepEqual((await call(r.url, "GET", "/subjects/s0/versions")).body, [2, 3]);
      assert.deepEqual((await call(r.url, "GET", "/config")).body, { compatibilityLevel: "NONE" });
      assert.deepEqual((await call(r.url, "GET", "/mode/s1")).body, { mode: "READWRITE" });
      const next = await call(r.url, "POST", "/subjects/s9/versions", { schema: schema(9) });
      assert.equal(next.body.id, Math.max(...ids) + 1);
    } finally {
      await r.close();
    }
    // The records are Confluent's: JSON keys with keytype, subject, version.
    const log = openLog({ dir, readOnly: true });
    try {
      const recs = log.topic("_schemas").partition(0).fetch(0).records;
      assert.deepEqual(JSON.parse(recs[0]!.key!.toString()), { keytype: "CONFIG", subject: null, magic: 0 });
      assert.deepEqual(JSON.parse(recs[1]!.key!.toString()), {
        keytype: "SCHEMA",
        subject: "s0",
        version: 1,
        magic: 1,
      });
      assert.equal(log.describeTopic("_schemas").config.cleanupPolicy, "compact");
    } finally {
      log.close();
    }
  });

  it("a permanent delete is a tombstone: the version is gone after a restart", async () => {
    const dir = tmpDir();
    let r = await startRegistry({ port: 0, store: new LogStore({ dir }) });
    await call(r.url, "POST", "/subjects/t/versions", { schema: schema(1) });
    await call(r.url, "DELETE", "/subjects/t");
    assert.deepEqual((await call(r.url, "DELETE", "/subjects/t?permanent=true")).body, [1]);
    await r.close();
    r = await startRegistry({ port: 0, store: new LogStore({ dir }) });
    try {
      assert.equal((await call(r.url, "GET", "/subjects/t/versions?deleted=true")).body.error_code, 40401);
      assert.equal((await call(r.url, "GET", "/schemas/ids/1")).body.error_code, 40403);
    } finally {
      await r.close();
    }
  });

  it("a follower in the same directory sees the writer's schemas and refuses writes (42205)", async () => {
    const dir = tmpDir();
    const writer = await startRegistry({ port: 0, store: new LogStore({ dir }) });
    const follower = await startRegistry({
      port: 0,
      store: new LogStore({ dir, follower: true, pollMs: 20 }),
    });
    try {
      const { id } = (await call(writer.url, "POST", "/subjects/f/versions", { schema: schema(1) })).body;
      const got = await call(follower.url, "GET", `/schemas/ids/${id}`);
      assert.equal(got.body.schema, schema(1), "a read catches up with the writer first");
      const w = await call(follower.url, "POST", "/subjects/f/versions", { schema: schema(2) });
      assert.deepEqual([w.status, w.body.error_code], [422, 42205]);
    } finally {
      await follower.close();
      await writer.close();
    }
  });

  it("fleuve registry killed with SIGKILL comes back with the same ids", async () => {
    const dir = tmpDir();
    const startCli = async () => {
      const child = spawn(process.execPath, [BIN, "registry", "--port", "0", "--dir", dir], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      await waitFor(
        "the registry to listen",
        () => /listening on (http:\S+)/.test(out) || child.exitCode !== null,
      );
      const url = /listening on (http:\S+)/.exec(out)?.[1];
      assert.ok(url, out);
      return { child, url };
    };
    const a = await startCli();
    const ids: number[] = [];
    for (let i = 0; i < 10; i++)
      ids.push((await call(a.url, "POST", `/subjects/k${i}/versions`, { schema: schema(i) })).body.id);
    const exited = new Promise((r) => a.child.on("exit", r));
    a.child.kill("SIGKILL");
    await exited;
    const b = await startCli();
    try {
      for (let i = 0; i < 10; i++) {
        assert.deepEqual(
          (await call(b.url, "POST", `/subjects/k${i}`, { schema: schema(i) })).body.id,
          ids[i],
        );
      }
      assert.equal((await call(b.url, "POST", "/subjects/new/versions", { schema: schema(99) })).body.id, 11);
    } finally {
      const done = new Promise((r) => b.child.on("exit", r));
      b.child.kill("SIGTERM");
      assert.equal(await done, 0);
    }
  });
});
