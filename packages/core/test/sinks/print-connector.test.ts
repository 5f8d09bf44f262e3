// Flink's print connector: `+I[...]` lines, identifier and subtask prefixes as Flink's
// PrintSinkOutputWriter; blackhole takes anything.
import assert from "node:assert/strict";
import { test } from "node:test";
import { blackholeConnector, createSink, printConnector, printLine } from "../../src/index.js";

test("printLine writes a change as Flink prints rows, other values as text or JSON", () => {
  assert.equal(printLine({ kind: "+I", value: { name: "Alice", score: 12 } }), "+I[Alice, 12]");
  assert.equal(printLine({ kind: "-U", value: ["a", null, true] }), "-U[a, null, true]");
  assert.equal(printLine("plain"), "plain");
  assert.equal(printLine({ a: 1 }), '{"a":1}');
});

test("print prefixes lines with the identifier and, when parallel, the subtask from 1", () => {
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => {
    lines.push(s);
    return true;
  }) as typeof process.stdout.write;
  try {
    const sink = createSink(printConnector, { "print-identifier": "out" });
    sink.createWriter({ subtaskIndex: 1, parallelism: 2 }).write({ kind: "+U", value: { a: 1 } }, undefined);
    sink.createWriter({ subtaskIndex: 0, parallelism: 1 }).write({ kind: "-D", value: { a: 1 } }, undefined);
    createSink(printConnector, {})
      .createWriter({ subtaskIndex: 0, parallelism: 3 })
      .write({ kind: "+I", value: {} }, undefined);
  } finally {
    process.stdout.write = write;
  }
  assert.deepEqual(lines, ["out:2> +U[1]\n", "out> -D[1]\n", "1> +I[]\n"]);
});

test("blackhole takes every change", () => {
  const w = createSink(blackholeConnector, {}).createWriter({ subtaskIndex: 0, parallelism: 1 });
  assert.equal(w.write({ kind: "-D", value: 1 }, undefined), undefined);
  assert.throws(() => createSink(blackholeConnector, { x: "1" }), /unknown option 'x'/);
});
