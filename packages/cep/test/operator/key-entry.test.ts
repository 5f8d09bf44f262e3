/**
 * The per-key state format of the CEP operators: restored entries of every format a savepoint may
 * hold are brought to the current one, and anything else is refused with an error that names the
 * operator and what to do. (A real savepoint of format 1 restores in
 * test/integration/savepoint-format.test.ts.)
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { KEY_ENTRY_FORMAT, newKeyEntry, upgradeKeyEntry } from "../../src/operator/key-entry.js";

const runs = { pattern: { v: 0, s: { some: "nfa state" } } };

test("a new entry carries the current format, and a restored one in it is taken as is", () => {
  const e = newKeyEntry<string>();
  assert.equal(e.format, KEY_ENTRY_FORMAT);
  assert.equal(upgradeKeyEntry(e, "CEP", "cep-keys"), e);
});

test("format 1 (before 5cad13a): the key's one timer becomes its list of timers, none when it had none", () => {
  const withTimer = { ts: [5], ev: ["b2"], runs, timer: 300_000 };
  assert.deepEqual(upgradeKeyEntry(withTimer, "CEP", "cep-keys"), {
    format: 2,
    ts: [5],
    ev: ["b2"],
    runs,
    timers: [300_000],
    queued: null,
    deadline: null,
    deadlineItem: 0,
    life: 0,
  });
  const without = { ts: [], ev: [], runs, timer: null };
  assert.deepEqual(upgradeKeyEntry(without, "CEP", "cep-keys").timers, []);
});

test("format 2 written before entries carried their format: marked, the queue place dropped (the queue is not restored)", () => {
  const e = { ts: [7], ev: ["x"], runs, timers: [7, 60], queued: 7 };
  assert.deepEqual(upgradeKeyEntry(e, "CEP", "cep-keys"), {
    format: 2,
    ts: [7],
    ev: ["x"],
    runs,
    timers: [7, 60],
    queued: null,
    deadline: null,
    deadlineItem: 0,
    life: 0,
  });
});

test("format 2 written before the queue of deadlines: the same entry, given its (empty) place in that queue", () => {
  const e = { format: 2, ts: [7], ev: ["x"], runs, timers: [60], queued: null };
  const upgraded = upgradeKeyEntry<string>(e, "CEP", "cep-keys");
  assert.equal(upgraded, e);
  assert.equal(upgraded.deadline, null);
  assert.equal(upgraded.deadlineItem, 0);
  assert.equal(upgraded.life, 0);
});

test("a later format, or something that is no entry, is refused naming the operator, the state and what to do", () => {
  for (const [restored, format] of [
    [{ ...newKeyEntry<string>(), format: KEY_ENTRY_FORMAT + 1 }, String(KEY_ENTRY_FORMAT + 1)],
    [{ ts: [], ev: [], runs }, "unknown"],
    ["not an entry", "unknown"],
    [null, "unknown"],
  ] as const) {
    assert.throws(
      () => upgradeKeyEntry(restored, "Fraud CEP", "cep-keys"),
      (e: Error & { code?: string; details?: Record<string, unknown> }) =>
        e.code === "FLEUVE_STATE_INCOMPATIBLE" &&
        e.message.includes("operator 'Fraud CEP'") &&
        e.message.includes(`format ${format}`) &&
        /restore the savepoint with the version of @fleuve\/cep that took it/.test(e.message) &&
        e.details?.operator === "Fraud CEP",
      `refused: ${JSON.stringify(restored)}`,
    );
  }
});
