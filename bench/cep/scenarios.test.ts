import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { type CepScenario, generateCepEvents, parseCepEvent, renderCepEvent } from "./scenarios.js";

/** SHA-256 prefix of the fraud input at 1000 events, 100 keys, seed 42 (computed once). */
const FRAUD_1000_100_42 = "ceab73e0cebeb686";

function lines(scenario: CepScenario, events: number, keys: number, seed: number): string[] {
  return [...generateCepEvents({ scenario, events, keys, seed })].map(renderCepEvent);
}

describe("CEP benchmark input", () => {
  it("is the same for the same options and differs with the seed", () => {
    for (const s of ["fraud", "spikes", "absence"] as const) {
      assert.deepEqual(lines(s, 2000, 50, 7), lines(s, 2000, 50, 7));
      assert.notDeepEqual(lines(s, 2000, 50, 7), lines(s, 2000, 50, 8));
    }
  });

  it("keeps the bytes that the recorded Flink figures were measured on", () => {
    // The recorded figures (bench/cep/RESULTS.md) were measured on this generator's output: a
    // change of the generator must be deliberate (and the figures re-measured).
    const digest = createHash("sha256")
      .update(lines("fraud", 1000, 100, 42).join("\n"))
      .digest("hex")
      .slice(0, 16);
    assert.equal(digest, FRAUD_1000_100_42);
  });

  it("has ascending timestamps, keys in range and round-trips through its CSV form", () => {
    for (const s of ["fraud", "spikes", "absence"] as const) {
      let prev = -1;
      for (const e of generateCepEvents({ scenario: s, events: 5000, keys: 30, seed: 1 })) {
        assert.ok(e.ts >= prev, `${s}: ts ${e.ts} after ${prev}`);
        prev = e.ts;
        assert.ok(e.key >= 0 && e.key < 30 && Number.isInteger(e.key));
        assert.deepEqual(parseCepEvent(renderCepEvent(e)), e);
      }
    }
  });

  it("draws each scenario's event kinds in the documented proportions", () => {
    const fraud = [...generateCepEvents({ scenario: "fraud", events: 20000, keys: 100, seed: 3 })];
    const small = fraud.filter((e) => e.amount < 10).length / fraud.length;
    const large = fraud.filter((e) => e.amount > 500).length / fraud.length;
    assert.ok(Math.abs(small - 0.06) < 0.01, `small ${small}`);
    assert.ok(Math.abs(large - 0.04) < 0.01, `large ${large}`);
    const absence = [...generateCepEvents({ scenario: "absence", events: 20000, keys: 100, seed: 3 })];
    const orders = absence.filter((e) => e.type === "order").length / absence.length;
    assert.ok(Math.abs(orders - 0.3) < 0.02, `orders ${orders}`);
    const spikes = [...generateCepEvents({ scenario: "spikes", events: 20000, keys: 100, seed: 3 })];
    const hot = spikes.filter((e) => e.amount > 85).length / spikes.length;
    assert.ok(hot > 0.01 && hot < 0.1, `readings above 85: ${hot}`);
  });

  it("rejects malformed lines and options, naming them", () => {
    assert.throws(() => parseCepEvent("1,2,pay"), /key,ts,type,amount.*"1,2,pay"/);
    assert.throws(() => parseCepEvent("x,2,pay,3"), /bad number in "x,2,pay,3"/);
    assert.throws(() => [...generateCepEvents({ scenario: "fraud", events: 1, keys: 0, seed: 1 })], /keys/);
  });
});
