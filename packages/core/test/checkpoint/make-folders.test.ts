/**
 * makeFolders, the `mkdir -p` of checkpoint and savepoint folders: it makes what Node's recursive
 * mkdir makes and returns the same (the oracle), several writers making one folder at once all
 * succeed (two threads writing parts of one savepoint), and a folder the file system refuses
 * (under /proc, where Node's own never returns) is an error naming it.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { makeFolders, makeFoldersSync } from "../../src/checkpoint/make-folders.js";

/** Every folder under `root`, relative, sorted. */
function tree(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).sort();
}

test("makeFolders makes and returns what mkdir -p does", async () => {
  const base = mkdtempSync(join(tmpdir(), "fleuve-mkdirs-"));
  try {
    const cases = [["a", "b", "c"], ["a", "b", "d"], ["a"], ["e"], ["a", "b", "c"]];
    for (const parts of cases) {
      const [mine, theirs] = [join(base, "mine"), join(base, "theirs")];
      const got = await makeFolders(join(mine, ...parts));
      const want = mkdirSync(join(theirs, ...parts), { recursive: true });
      assert.equal(got?.replace(mine, "<root>"), want?.replace(theirs, "<root>"), parts.join("/"));
      assert.deepEqual(tree(mine), tree(theirs));
      const sync = makeFoldersSync(join(base, "sync", ...parts));
      assert.equal(sync?.replace(join(base, "sync"), "<root>"), want?.replace(theirs, "<root>"));
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("writers making one folder at once all succeed", async () => {
  const base = mkdtempSync(join(tmpdir(), "fleuve-mkdirs-race-"));
  try {
    for (let i = 0; i < 50; i++) {
      const f = join(base, String(i), "savepoint", "part");
      await Promise.all([
        makeFolders(f),
        makeFolders(f),
        makeFolders(join(base, String(i), "savepoint", "x")),
      ]);
      assert.deepEqual(tree(join(base, String(i))), ["savepoint", "savepoint/part", "savepoint/x"]);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("a folder the file system refuses (under /proc) is an error naming it", async () => {
  const refused = `/proc/fleuve-mkdirs-${process.pid}`;
  await assert.rejects(makeFolders(join(refused, "sp")), (e: unknown) => {
    assert.equal((e as NodeJS.ErrnoException).code, "ENOENT");
    assert.ok((e as Error).message.includes(refused), (e as Error).message);
    return true;
  });
  assert.throws(() => makeFoldersSync(join(refused, "sp")), /ENOENT.*fleuve-mkdirs/);
});

test("a file where the folder should be is refused with EEXIST naming it, as mkdir -p does", async () => {
  const base = mkdtempSync(join(tmpdir(), "fleuve-mkdirs-file-"));
  try {
    const file = join(base, "savepoint");
    writeFileSync(file, "");
    const named = (e: unknown) => {
      assert.equal((e as NodeJS.ErrnoException).code, "EEXIST");
      assert.ok((e as Error).message.includes(file), (e as Error).message);
      return true;
    };
    assert.throws(() => mkdirSync(file, { recursive: true }), named); // the oracle
    await assert.rejects(makeFolders(file), named);
    assert.throws(() => makeFoldersSync(file), named);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
