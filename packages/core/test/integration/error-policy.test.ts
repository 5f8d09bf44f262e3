import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type DeadLetter,
  isFleuveError,
  StreamExecutionEnvironment,
  WatermarkStrategy,
} from "../../src/index.js";

const input = Array.from({ length: 1000 }, (_, i) => i);
const poison = (x: number) => x % 97 === 13;

function build(policy: "fail" | "skip" | { deadLetter: (l: DeadLetter) => void }, parallelism: number) {
  const env = StreamExecutionEnvironment.create({ parallelism, errorPolicy: policy });
  return env
    .fromCollection(input, {
      timestamps: input.map((x) => x * 10),
      strategy: WatermarkStrategy.forMonotonousTimestamps(),
    })
    .map((x) => {
      if (poison(x)) throw new Error(`poison ${x}`);
      return x;
    })
    .keyBy((x) => x % 5)
    .process<number>({
      processElement(x, _ctx, out) {
        if (x === 500) throw new Error("rejects 500");
        out.collect(x * 2);
      },
    });
}

test("policy 'fail' fails the job on the first bad record, naming operator and record", async () => {
  await assert.rejects(build("fail", 1).executeAndCollect(), (e: unknown) => {
    assert.ok(isFleuveError(e, "FLEUVE_USER_FUNCTION_FAILED"));
    assert.match((e as Error).message, /operator 'Map' failed on record 13: poison 13/);
    return true;
  });
});

for (const p of [1, 3]) {
  test(`policy 'skip' drops exactly the bad records and keeps every other one (parallelism ${p})`, async () => {
    const out = await build("skip", p).executeAndCollect();
    const want = input.filter((x) => !poison(x) && x !== 500).map((x) => x * 2);
    assert.deepEqual(
      out.sort((a, b) => a - b),
      want,
    );
  });

  test(`dead letters carry the error, the operator, the record and its timestamp (parallelism ${p})`, async () => {
    const letters: DeadLetter[] = [];
    const out = await build({ deadLetter: (l) => letters.push(l) }, p).executeAndCollect();
    assert.equal(out.length, input.length - input.filter(poison).length - 1);
    const byRecord = new Map(letters.map((l) => [l.record, l]));
    assert.equal(letters.length, input.filter(poison).length + 1);
    for (const x of input.filter(poison)) {
      const l = byRecord.get(x);
      assert.ok(l, `dead letter for ${x}`);
      assert.equal(l.operator, "Map");
      assert.equal(l.error, `poison ${x}`);
      assert.equal(l.timestamp, x * 10);
    }
    assert.equal(byRecord.get(500)?.operator, "KeyedProcess");
    assert.equal(byRecord.get(500)?.error, "rejects 500");
  });
}

test("an invalid error policy fails at build time", () => {
  assert.throws(
    () => StreamExecutionEnvironment.create({ errorPolicy: "ignore" as never }),
    (e: unknown) => isFleuveError(e, "FLEUVE_CONFIG_INVALID") && /errorPolicy/.test((e as Error).message),
  );
});

for (const policy of ["skip", "dead letters"] as const) {
  test(`the job's summary counts the records the error policy rejected, per operator (${policy})`, async () => {
    const stream = build(policy === "skip" ? "skip" : { deadLetter: () => {} }, 3);
    const seen: number[] = [];
    stream.sinkTo({ createWriter: () => ({ write: (v: number) => void seen.push(v) }) });
    const client = stream.env.executeAsync("rejected-summary");
    const result = await client.result;
    assert.equal(seen.length, input.length - input.filter(poison).length - 1);
    for (const summary of [client.summary(), result.metrics]) {
      const byName = new Map(Object.values(summary).map((m) => [m.name, m.recordsRejected]));
      assert.equal(byName.get("Map"), input.filter(poison).length, JSON.stringify(summary));
      assert.equal(byName.get("KeyedProcess"), 1, JSON.stringify(summary));
      const others = Object.values(summary).filter((m) => m.name !== "Map" && m.name !== "KeyedProcess");
      for (const m of others) assert.equal(m.recordsRejected, 0, `${m.name} rejects nothing`);
    }
  });
}
