// `fleuve sql -f` across an edit of the query: a savepoint of a group aggregation taken mid-stream,
// then `--check` and the restore of edited files. A projection and a WHERE added keep the state
// (the final totals are those of a brute-force evaluation); an aggregate added is refused by both,
// naming the change, and restores with --allow-non-restored-state with the aggregation empty.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { finish, fleuve, start } from "./helpers.js";

async function waitFor(cond: () => boolean, what: string, limitMs = 300_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const LAST = 300;
const lines = (s: string) => s.split("\n").filter((l) => l !== "");

/** Writes the job file: `select` over the numbers 1..300 into a print table of `columns`. */
function script(file: string, rowsPerSecond: number, columns: string, select: string): string {
  writeFileSync(
    file,
    `SET 'pipeline.name' = 'evolving';
CREATE TABLE numbers (n INT) WITH (
  'connector' = 'datagen', 'rows-per-second' = '${rowsPerSecond}',
  'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '${LAST}');
CREATE TABLE totals (${columns}) WITH ('connector' = 'print');
INSERT INTO totals ${select};
`,
  );
  return file;
}
const ORIGINAL = "SELECT MOD(n, 3), COUNT(*), SUM(n) FROM numbers GROUP BY MOD(n, 3)";
const COLUMNS = "r INT, cnt BIGINT, total BIGINT";

/** The last row printed per group, `r -> "cnt, total"` (print writes `+U[r, cnt, total]`). */
function finalRows(out: string): Map<string, string> {
  const last = new Map<string, string>();
  for (const l of lines(out)) {
    const fields = l.slice(3, -1).split(", ");
    if (l.startsWith("-")) continue;
    last.set(fields[0] as string, fields.slice(1, 3).join(", "));
  }
  return last;
}
/** r -> "count, sum" of the numbers `keep` accepts, by n % 3. */
function oracle(keep: (n: number) => boolean): Map<string, string> {
  const m = new Map<string, [number, number]>();
  for (let n = 1; n <= LAST; n++) {
    if (!keep(n)) continue;
    const [c, s] = m.get(String(n % 3)) ?? [0, 0];
    m.set(String(n % 3), [c + 1, s + n]);
  }
  return new Map([...m].map(([k, [c, s]]) => [k, `${c}, ${s}`]));
}

test("fleuve sql -f: a savepoint restores into an edited query; --check says what fits and why not", {
  timeout: 600_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), "fleuve-sql-evolve-"));
  const ctl = join(dir, "jobs");
  const file = join(dir, "job.sql");
  try {
    // 5 rows/s: a minute of input, stopped long before its end.
    script(file, 5, COLUMNS, ORIGINAL);
    const job = start(["sql", "-f", file, "--control-dir", ctl, "--no-metrics"]);
    const done = finish(job);
    await waitFor(() => existsSync(join(ctl, "evolving.sock")), "the control socket");
    const sp = await fleuve(
      "savepoint",
      "evolving",
      "--control-dir",
      ctl,
      "--dir",
      join(dir, "sps"),
      "--stop",
    );
    assert.equal(sp.code, 0, sp.stderr);
    const first = await done;
    assert.equal(first.code, 0, first.stderr);
    const savepoint = sp.stdout.trim();
    const before = finalRows(first.stdout);
    const read = [...before.values()].reduce((a, v) => a + Number(v.split(", ")[0]), 0);
    assert.ok(read < LAST, `stopped mid-stream after ${read} numbers`);
    assert.deepEqual(
      before,
      oracle((n) => n <= read),
    );

    // A projection above and a WHERE below: the aggregation's state is kept.
    script(
      file,
      0,
      `${COLUMNS}, twice BIGINT`,
      `SELECT r, cnt, total, total * 2 FROM (SELECT MOD(n, 3) AS r, COUNT(*) AS cnt, SUM(n) AS total FROM (SELECT n FROM numbers WHERE MOD(n, 7) <> 0) GROUP BY MOD(n, 3))`,
    );
    const check = await fleuve("sql", "-f", file, "--from-savepoint", savepoint, "--check");
    assert.equal(check.code, 0, check.stderr);
    assert.deepEqual(
      lines(check.stdout).map((l) => l.replace(/-[0-9a-f]{10} .*/, "-*").replace(/ +/g, " ")),
      [
        "kept source-numbers (Source: numbers)",
        "kept GroupAggregate-*",
        "kept sink-totals (Sink: totals)",
        `${savepoint} fits: every operator's state is restored or starts empty`,
      ],
    );
    const kept = await fleuve("sql", "-f", file, "--from-savepoint", savepoint, "--no-metrics");
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stderr, /state kept +GroupAggregate-/);
    const after = finalRows(kept.stdout);
    // The numbers read before the savepoint were counted unfiltered; the rest pass the WHERE.
    assert.deepEqual(
      after,
      oracle((n) => n <= read || n % 7 !== 0),
    );

    // An aggregate added: --check and the restore refuse it, naming what changed.
    script(
      file,
      0,
      `${COLUMNS}, top INT`,
      "SELECT MOD(n, 3), COUNT(*), SUM(n), MAX(n) FROM numbers GROUP BY MOD(n, 3)",
    );
    const why = "aggregates changed: [COUNT(*), SUM(n)] -> [COUNT(*), SUM(n), MAX(n)]";
    const refused = await fleuve("sql", "-f", file, "--from-savepoint", savepoint, "--check");
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /^incompatible +GroupAggregate-[0-9a-f]{10} .*aggregates changed/m);
    assert.ok(refused.stderr.startsWith("error FLEUVE_STATE_INCOMPATIBLE: "), refused.stderr);
    assert.ok(refused.stderr.includes(why), refused.stderr);
    const run = await fleuve("sql", "-f", file, "--from-savepoint", savepoint, "--no-metrics");
    assert.equal(run.code, 1);
    assert.ok(run.stderr.includes(why), run.stderr);
    assert.equal(run.stdout, "");
    // Told to drop it: the aggregation starts empty and counts the numbers after the savepoint.
    const allowed = await fleuve(
      "sql",
      "-f",
      file,
      "--from-savepoint",
      savepoint,
      "--allow-non-restored-state",
      "--no-metrics",
    );
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /state incompatible +GroupAggregate-/);
    assert.deepEqual(
      finalRows(allowed.stdout),
      oracle((n) => n > read),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
