// The Nexmark SQL texts that bench/flink runs on Flink parse unchanged: every query of
// bench/flink/src/main/java/dev/fleuve/nexmark/Queries.java and the views NexmarkFlink.java
// creates. The texts are read from the Java sources (string concatenations joined), so a query
// added there is checked here without copying it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
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

function nexmarkQueries(): Map<string, string> {
  const text = readFileSync(new URL("Queries.java", JAVA), "utf8");
  const queries = new Map<string, string>();
  for (const m of text.matchAll(/SQL\.put\(\s*"(q\d+)",/g)) {
    queries.set(m[1] as string, javaConcat(text, (m.index ?? 0) + m[0].length));
  }
  return queries;
}

function nexmarkViews(): string[] {
  const text = readFileSync(new URL("NexmarkFlink.java", JAVA), "utf8");
  return [...text.matchAll(/tEnv\.executeSql\(/g)].map((m) => javaConcat(text, (m.index ?? 0) + m[0].length));
}

test("bench/flink runs the Nexmark queries this test reads (q0..q12)", () => {
  const names = [...nexmarkQueries().keys()];
  assert.deepEqual(names, ["q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q9", "q11", "q12"]);
});

for (const [name, sql] of nexmarkQueries()) {
  test(`Nexmark ${name} (bench/flink) parses: ${sql.slice(0, 60)}`, () => {
    const s: Statement = parseStatement(sql);
    assert.equal(s.kind, "query");
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
