/**
 * channelSelector, the one partitioner switch of the engine (record writers and scale-out
 * exchanges both use it): which channel each partitioner picks, against plain definitions.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { FleuveError } from "../../src/errors.js";
import type { GraphEdge, PartitionerKind } from "../../src/graph/stream-graph.js";
import { channelSelector, keyGroupTarget } from "../../src/runtime/partitioners.js";

const edge = (partitioner: PartitionerKind, more: Partial<GraphEdge> = {}): GraphEdge => ({
  source: 0,
  target: 1,
  inputIndex: 0,
  partitioner,
  ...more,
});
const opts = (sender: number, targetParallelism: number) => ({
  sender,
  targetParallelism,
  maxParallelism: 32,
  operatorName: "op",
});

test("hash: the channel to the subtask owning the key's key group, also when channels are a subset", () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer(), fc.string()), { minLength: 1 }), (keys) => {
      const e = edge("hash", { keySelector: (v: string | number) => v });
      const owner = keyGroupTarget((v: string | number) => v, 4, 32, "op");
      const all = channelSelector(e, [0, 1, 2, 3], opts(0, 4));
      // a worker that holds channels to subtasks 3 and 1 only (in that order)
      const some = channelSelector(e, [3, 1], opts(0, 4));
      for (const k of keys) {
        assert.equal(all(k), owner(k));
        const o = owner(k);
        assert.equal(some(k), o === 3 ? 0 : o === 1 ? 1 : -1);
      }
    }),
  );
});

test("rebalance and rescale: round-robin over the sender's channels, from the sender's index", () => {
  for (const p of ["rebalance", "rescale"] as const) {
    const choose = channelSelector(edge(p), [0, 1, 2], opts(4, 3));
    assert.deepEqual(
      Array.from({ length: 7 }, () => choose(null)),
      [1, 2, 0, 1, 2, 0, 1],
      p,
    );
  }
});

test("broadcast: every channel; forward and global: their one channel; shuffle: any channel", () => {
  assert.equal(channelSelector(edge("broadcast"), [0, 1], opts(0, 2))(1), -1);
  assert.equal(channelSelector(edge("forward"), [1], opts(1, 2))(1), 0);
  assert.equal(channelSelector(edge("global"), [0, 1, 2], opts(2, 3))(1), 0);
  const shuffle = channelSelector(edge("shuffle"), [0, 1, 2], opts(0, 3));
  for (let i = 0; i < 50; i++) assert.ok([0, 1, 2].includes(shuffle(i)));
});

test("custom: the user's partition of the key, checked, errors naming the operator", () => {
  const e = edge("custom", {
    keySelector: (v: number) => v,
    customPartitioner: (k: number, n: number) => (k < 0 ? n : k % n),
  });
  const choose = channelSelector(e, [0, 1, 2], opts(0, 3));
  assert.equal(choose(7), 1);
  assert.throws(
    () => choose(-1),
    (err: unknown) =>
      err instanceof FleuveError &&
      err.code === "FLEUVE_USER_FUNCTION_FAILED" &&
      /custom partitioner after 'op' returned 3/.test(err.message),
  );
});

test("hash to one subtask: the key is left to a receiver that keys every record, else computed and checked", () => {
  const e = edge("hash", {
    keySelector: (v: { k?: number }) => {
      if (v.k === undefined) throw new Error("no k");
      return v.k;
    },
  });
  const trusting = channelSelector(e, [0], { ...opts(0, 1), receiverKeysRecords: true });
  assert.equal(trusting({ k: 3 }), 0);
  assert.equal(trusting({}), 0); // the receiver's own key selector reports it
  const checking = channelSelector(e, [0], opts(0, 1));
  assert.equal(checking({ k: 3 }), 0);
  assert.throws(
    () => checking({}),
    (err: unknown) => err instanceof FleuveError && err.code === "FLEUVE_USER_FUNCTION_FAILED",
  );
  // Two subtasks: the key group decides, whatever the receiver does.
  const two = channelSelector(e, [0, 1], { ...opts(0, 2), receiverKeysRecords: true });
  const owner = keyGroupTarget(e.keySelector!, 2, 32, "op");
  for (let k = 0; k < 50; k++) assert.equal(two({ k }), owner({ k }));
});
