// The Nexmark SQL texts that bench/flink runs on Flink (and Fleuve's `--api sql`) parse
// unchanged: every statement of bench/nexmark/sql/q*.sql (the scripts Queries.java reads) and the
// views NexmarkFlink.java creates. The texts are read from those files, so a query added there is
// checked here without copying it.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { parseStatement, type Statement } from "@fleuve/sql";

const JAVA = new URL("../../../../bench/flink/src/main/java/dev/fleuve/nexmark/", import.meta.url);

/** The Java string expression `"a" + "b" + ...` starting at `from`, as one string. */
function javaConcat(text: string, from: number): string {
  const re = /\s*(?:\+\s*)?"((?:[^"\\]|\\.)*)"/y;
  re.lastIndex = from;
  let out = "";
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out += JSON.parse(`"${m[1]}"`);
  return out;
}

const SQL_DIR = new URL("../../../../bench/nexmark/sql/", import.meta.url);

/** Each script's statements, split as Queries.java splits them ('--' lines dropped, then ';'). */
function nexmarkScripts(): Map<string, string[]> {
  const names = readdirSync(SQL_DIR)
    .filter((f) => /^q\d+\.sql$/.test(f))
    .map((f) => f.slice(0, -4))
    .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  const scripts = new Map<string, string[]>();
  for (const name of names) {
    const text = readFileSync(new URL(`${name}.sql`, SQL_DIR), "utf8");
    const body = text
      .split("\n")
      .filter((l) => !l.trim().startsWith("--"))
      .join("\n");
    scripts.set(
      name,
      body
        .split(";")
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    );
  }
  return scripts;
}

/** Each script's query (its last statement). */
function nexmarkQueries(): Map<string, string> {
  return new Map([...nexmarkScripts()].map(([name, s]) => [name, s[s.length - 1] as string]));
}

function nexmarkViews(): string[] {
  const text = readFileSync(new URL("NexmarkFlink.java", JAVA), "utf8");
  return [...text.matchAll(/tEnv\.executeSql\(/g)]
    .map((m) => javaConcat(text, (m.index ?? 0) + m[0].length))
    .filter((s) => s.startsWith("CREATE TEMPORARY VIEW"));
}

test("bench/flink runs the Nexmark queries this test reads (q0..q22)", () => {
  const names = [...nexmarkQueries().keys()];
  assert.deepEqual(names, [
    "q0",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "q7",
    "q8",
    "q9",
    "q11",
    "q12",
    "q13",
    "q14",
    "q15",
    "q16",
    "q17",
    "q18",
    "q19",
    "q20",
    "q21",
    "q22",
  ]);
});

for (const [name, statements] of nexmarkScripts()) {
  test(`Nexmark ${name} (bench/nexmark/sql) parses: ${(statements[statements.length - 1] as string).slice(0, 60)}`, () => {
    const kinds = statements.map((sql) => (parseStatement(sql) as Statement).kind);
    assert.equal(kinds[kinds.length - 1], "query");
  });
}

test("the views of bench/flink's NexmarkFlink.java parse as CREATE TEMPORARY VIEW", () => {
  const views = nexmarkViews();
  assert.equal(views.length, 3);
  for (const sql of views) {
    const s = parseStatement(sql);
    assert.ok(s.kind === "createView" && s.temporary, sql);
  }
  assert.deepEqual(
    views.map((v) => {
      const s = parseStatement(v);
      return s.kind === "createView" ? s.name.parts.join(".") : s.kind;
    }),
    ["bid", "person", "auction"],
  );
});

test("q11's group window and q12's PROCTIME subquery have the expected shape", () => {
  const q = nexmarkQueries();
  const q11 = parseStatement(q.get("q11") as string);
  assert.ok(q11.kind === "query" && q11.query.body.kind === "select");
  const g = q11.query.body.groupBy[1];
  assert.ok(g?.kind === "expr" && g.expr.kind === "call" && g.expr.name === "SESSION");
  const q12 = parseStatement(q.get("q12") as string);
  assert.ok(
    q12.kind === "query" && q12.query.body.kind === "select" && q12.query.body.from?.kind === "derived",
  );
});
