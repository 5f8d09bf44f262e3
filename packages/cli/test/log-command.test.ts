// The embedded log's commands through `fleuve`: a topic round trip, and errors in the format of
// every other command (`error CODE: message`; usage errors exit 2 with the usage).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { BIN, ROOT } from "./helpers.js";

function fleuveSync(args: string[], input = "") {
  return spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, input, encoding: "utf8" });
}

test("topics create, produce, consume round trip through fleuve", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-log-cli-"));
  try {
    const c = fleuveSync(["topics", "create", "clicks", "--partitions", "2", "--dir", dir]);
    assert.equal(c.status, 0, c.stderr);
    const records = [
      { user: "ada", page: "/" },
      { user: "bob", page: "/cart" },
    ];
    const p = fleuveSync(
      ["produce", "clicks", "--key", "user", "--dir", dir],
      records.map((r) => JSON.stringify(r)).join("\n"),
    );
    assert.equal(p.status, 0, p.stderr);
    const r = fleuveSync(["consume", "clicks", "--from-beginning", "--dir", dir]);
    assert.equal(r.status, 0, r.stderr);
    const got = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      got.sort((a, b) => (a.user < b.user ? -1 : 1)),
      records,
    );
    // No flags: it starts at the end and stops there, so stdout is empty and stderr says why.
    const bare = fleuveSync(["consume", "clicks", "--dir", dir]);
    assert.equal(bare.status, 0, bare.stderr);
    assert.equal(bare.stdout, "");
    assert.match(bare.stderr, /^consume: no --group, so it starts at the end of clicks partition/);
    assert.match(bare.stderr, /--offset-reset earliest \(or --from-beginning\)/);
    const missing = fleuveSync(["topics", "describe", "nope", "--dir", dir]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^error FLEUVE_LOG_TOPIC_NOT_FOUND: .*nope/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a usage error of a log command exits 2 with the log usage", () => {
  const r = fleuveSync(["topics", "list", "--bogus"]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^error FLEUVE_CLI_USAGE: .*--bogus/);
  assert.match(r.stderr, /fleuve topics create <name>/);
});

test("fleuve consume --help states the defaults: committed records only, a new group at the end", () => {
  const r = fleuveSync(["consume", "--help"]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\[--offset-reset earliest\|latest\]/);
  assert.match(r.stdout, /--isolation read_committed, the default/);
  assert.match(r.stdout, /--offset-reset: latest \(the default/);
  assert.match(r.stdout, /--from-beginning means --offset-reset earliest/);
  assert.match(r.stdout, /does not follow the log/);
});
