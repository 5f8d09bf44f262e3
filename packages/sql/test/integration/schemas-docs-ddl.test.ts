// The CREATE TABLE statements docs/schemas.md shows are valid tables: each is created as printed and
// planned (EXPLAIN SELECT * reads its connector and format options, which CREATE alone does not),
// so an option the page misspells or a format it misnames fails here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { connectors as kafkaConnectors } from "@fleuve/kafka";
import { connectors as logConnectors } from "@fleuve/log";
import { sql } from "@fleuve/sql";

const md = readFileSync(new URL("../../../../docs/schemas.md", import.meta.url), "utf8");
const blocks = [...md.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());

test("docs/schemas.md shows CREATE TABLE statements", () => {
  assert.ok(blocks.length >= 2, `found ${blocks.length} sql blocks`);
  for (const b of blocks) assert.match(b, /^CREATE TABLE /);
});

for (const [i, ddl] of blocks.entries()) {
  const name = /^CREATE TABLE (\w+)/.exec(ddl)?.[1] ?? `block ${i + 1}`;
  test(`docs/schemas.md CREATE TABLE ${name} plans as printed`, async () => {
    const tables = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }), {
      connectors: [...logConnectors, ...kafkaConnectors],
    });
    await tables.executeSql(ddl);
    const rows = await (await tables.executeSql(`EXPLAIN SELECT * FROM ${name}`)).collect();
    const plan = String(rows[0]?.result);
    assert.match(plan, new RegExp(`LogicalTableScan\\(table=\\[${name}\\]\\)`));
  });
}
