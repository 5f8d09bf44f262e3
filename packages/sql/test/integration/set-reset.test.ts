// SET, SET 'k' = 'v', RESET 'k' and RESET as Flink 1.20's SQL client answers them: SET alone lists
// the session's options as key / value rows sorted by key (OperationExecutor.callSetOperation:
// `configMap.keySet().stream().sorted()`, as set.q of Flink's SQL client shows), keys and values
// as written (as TableEnvironment.executeSql keeps them; only Flink's SQL gateway trims them);
// RESET 'k' drops one option from the listing, RESET all of them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { StreamExecutionEnvironment } from "@fleuve/core";
import { sql } from "@fleuve/sql";
import fc from "fast-check";

const listed = async (tEnv: ReturnType<typeof sql>) => {
  const result = await tEnv.executeSql("SET");
  assert.deepEqual(result.columns, ["key", "value"]);
  return result.collect();
};

test("SET lists the options set, sorted by key; RESET 'k' and RESET drop them", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  assert.deepEqual(await listed(tEnv), []);
  await tEnv.executeSql("SET 'table.exec.mini-batch.enabled' = 'true'");
  await tEnv.executeSql("SET 'pipeline.name' = ' x '");
  await tEnv.executeSql("SET 'sql-client.verbose' = 'true'");
  // set.q: 'sql-client.verbose' is listed between the keys before and after it.
  assert.deepEqual(await listed(tEnv), [
    { key: "pipeline.name", value: " x " },
    { key: "sql-client.verbose", value: "true" },
    { key: "table.exec.mini-batch.enabled", value: "true" },
  ]);
  assert.deepEqual(await (await tEnv.executeSql("SET;")).collect(), await listed(tEnv));
  await tEnv.executeSql("RESET 'pipeline.name'");
  await tEnv.executeSql("RESET 'no.such.key'");
  assert.deepEqual(await listed(tEnv), [
    { key: "sql-client.verbose", value: "true" },
    { key: "table.exec.mini-batch.enabled", value: "true" },
  ]);
  await tEnv.executeSql("RESET");
  assert.deepEqual(await listed(tEnv), []);
});

test("SET lists the last value of each key set, sorted by key, after any SETs and RESETs", async () => {
  const key = fc.constantFrom("a.b", "b", "a", "pipeline.name", "table.x");
  const step = fc.oneof(
    fc.record({ set: key, value: fc.stringMatching(/^[a-z0-9]{1,4}$/) }),
    fc.record({ reset: fc.option(key, { nil: undefined }) }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(step, { maxLength: 12 }), async (steps) => {
      const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
      const model = new Map<string, string>();
      for (const s of steps) {
        if ("set" in s) {
          await tEnv.executeSql(`SET '${s.set}' = '${s.value}'`);
          model.set(s.set, s.value);
        } else if (s.reset === undefined) {
          await tEnv.executeSql("RESET");
          model.clear();
        } else {
          await tEnv.executeSql(`RESET '${s.reset}'`);
          model.delete(s.reset);
        }
      }
      const expected = [...model.keys()].sort().map((k) => ({ key: k, value: model.get(k) }));
      assert.deepEqual(await listed(tEnv), expected);
    }),
    { numRuns: 50 },
  );
});

// Fleuve SQL runs in streaming mode only: Flink in batch mode gives a GROUP BY's final rows, not
// its changelog, so `SET 'execution.runtime-mode' = 'batch'` is refused, not silently ignored
// (it was kept and every query still ran as a stream). Flink reads the value as an enum, case
// ignored: 'STREAMING' is its default and accepted.
test("SET 'execution.runtime-mode' accepts streaming, refuses batch and automatic at the value", async () => {
  const tEnv = sql(StreamExecutionEnvironment.create({ parallelism: 1, log: () => {} }));
  await tEnv.executeSql("SET 'execution.runtime-mode' = 'STREAMING'");
  for (const mode of ["batch", "BATCH", "automatic"])
    await assert.rejects(
      tEnv.executeSql(`SET 'execution.runtime-mode' = '${mode}'`),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "FLEUVE_SQL_UNSUPPORTED");
        assert.match(
          e.message,
          new RegExp(`runtime mode \\('execution.runtime-mode' = '${mode}'\\).*line 1, column 32`),
        );
        return true;
      },
    );
  await assert.rejects(
    tEnv.executeSql("SET 'execution.runtime-mode' = 'fast'"),
    /FLEUVE_SQL_VALIDATION|Could not parse value 'fast'/,
  );
  assert.deepEqual(await listed(tEnv), [{ key: "execution.runtime-mode", value: "STREAMING" }]);
});
