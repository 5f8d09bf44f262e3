// The partition time extractor of the filesystem sink's partition commit: timestamp patterns and
// formatters against a brute-force reference (the text written from random date-time parts must
// read back as those parts), and local date-times placed in a time zone as java.time's atZone
// does (checked against a search over every quarter-hour offset).
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { parseDurationOption } from "../../src/connector/filesystem-sink.js";
import {
  formatterTokens,
  localToInstant,
  parseDefaultTimestamp,
  parseWithFormatter,
  partitionCommitConfig,
} from "../../src/connector/partition-commit.js";

const pad = (n: number, w: number) => String(n).padStart(w, "0");

const dateTime = fc.record({
  y: fc.integer({ min: 1970, max: 2100 }),
  mo: fc.integer({ min: 1, max: 12 }),
  d: fc.integer({ min: 1, max: 28 }),
  h: fc.integer({ min: 0, max: 23 }),
  mi: fc.integer({ min: 0, max: 59 }),
  s: fc.integer({ min: 0, max: 59 }),
  ms: fc.integer({ min: 0, max: 999 }),
});

const base = {
  "sink.partition-commit.trigger": "partition-time",
  "sink.partition-commit.delay": "0 s",
  "sink.partition-commit.watermark-time-zone": "UTC",
  "sink.partition-commit.policy.kind": "success-file",
  "sink.partition-commit.success-file.name": "_SUCCESS",
  "partition.time-extractor.kind": "default",
} as const;

test("a formatter reads back the text it describes, of any date-time; other text is refused", () => {
  const tokens = formatterTokens("yyyyMMdd'T'HH:mm:ss.SSS", "f");
  fc.assert(
    fc.property(dateTime, ({ y, mo, d, h, mi, s, ms }) => {
      const text = `${pad(y, 4)}${pad(mo, 2)}${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}`;
      assert.equal(parseWithFormatter(text, tokens), Date.UTC(y, mo - 1, d, h, mi, s, ms));
    }),
  );
  assert.ok(Number.isNaN(parseWithFormatter("20240230T00:00:00.000", tokens)), "no 30 February");
  assert.ok(Number.isNaN(parseWithFormatter("20240101T00:00:00", tokens)), "every field is there");
  assert.throws(() => formatterTokens("yyyy-MM-dd EEE", "partition.time-extractor.timestamp-formatter"), {
    message: /option 'partition.time-extractor.timestamp-formatter' uses 'EEE'/,
  });
});

test("the default timestamp text: one or two digits, the time optional", () => {
  fc.assert(
    fc.property(dateTime, fc.boolean(), fc.boolean(), ({ y, mo, d, h, mi, s }, short, withTime) => {
      const w = short ? 1 : 2;
      const text = `${y}-${pad(mo, w)}-${pad(d, w)}${withTime ? ` ${pad(h, w)}:${pad(mi, 2)}:${pad(s, 2)}` : ""}`;
      assert.equal(
        parseDefaultTimestamp(text),
        Date.UTC(y, mo - 1, d, withTime ? h : 0, withTime ? mi : 0, withTime ? s : 0),
      );
    }),
  );
  assert.ok(Number.isNaN(parseDefaultTimestamp("2024/01/01")));
});

test("the timestamp pattern puts each partition value in for $key, as Flink's default extractor", () => {
  const config = partitionCommitConfig(
    { ...base, "partition.time-extractor.timestamp-pattern": "$dt $hour:00:00" },
    ["dt", "hour"],
    parseDurationOption,
  );
  assert.ok(config);
  fc.assert(
    fc.property(dateTime, ({ y, mo, d, h }) => {
      const values = [`${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`, pad(h, 2)];
      assert.equal(config.partitionTime(values), Date.UTC(y, mo - 1, d, h));
    }),
  );
  // Without a pattern: the first partition value.
  const first = partitionCommitConfig(base, ["day", "x"], parseDurationOption);
  assert.equal(first?.partitionTime(["2024-03-05", "zz"]), Date.UTC(2024, 2, 5));
  assert.throws(() => first?.partitionTime(["soon", "zz"]), {
    message: /partition time of \(day=soon, x=zz\) is 'soon'/,
  });
});

/** Brute force: the instant of a local time in `zone`, trying every quarter-hour offset. */
function referenceInstant(local: number, zone: string): number {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const offsetAt = (t: number) => {
    const p = Object.fromEntries(format.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!) - t;
  };
  const found: number[] = [];
  for (let off = -14 * 3_600_000; off <= 14 * 3_600_000; off += 900_000)
    if (offsetAt(local - off) === off) found.push(local - off);
  // An overlap: the earlier instant (the earlier offset); a gap: shifted by the gap (the offset before it).
  if (found.length > 0) return Math.min(...found);
  return local - offsetAt(local - 86_400_000);
}

test("a local time in a zone: the instant java.time's atZone gives, through gaps and overlaps", () => {
  for (const zone of ["UTC", "Europe/Paris", "America/New_York", "Asia/Shanghai"]) {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2026, 0, 1) }), (t) => {
        const local = t - (t % 60_000);
        assert.equal(
          localToInstant(local, zone),
          referenceInstant(local, zone),
          `${zone} ${new Date(local).toISOString()}`,
        );
      }),
      { numRuns: 200 },
    );
  }
  // Paris, 2024-03-31 02:30 does not exist (clocks go 02:00 -> 03:00): 03:30 CEST, 01:30 UTC.
  assert.equal(localToInstant(Date.UTC(2024, 2, 31, 2, 30), "Europe/Paris"), Date.UTC(2024, 2, 31, 1, 30));
  // 2024-10-27 02:30 happens twice: the first, CEST, 00:30 UTC.
  assert.equal(localToInstant(Date.UTC(2024, 9, 27, 2, 30), "Europe/Paris"), Date.UTC(2024, 9, 27, 0, 30));
});

test("the watermark time zone takes the ids Flink's filesystem factory takes, not Intl's", () => {
  const config = (zone: string) =>
    partitionCommitConfig(
      { ...base, "sink.partition-commit.watermark-time-zone": zone } as typeof base,
      ["dt"],
      parseDurationOption,
    );
  // Java refuses these (case-sensitive ids, ZoneId.SHORT_IDS, offsets without GMT); Intl reads the first two.
  for (const [zone, why] of [
    ["asia/shanghai", /case-sensitive \(did you mean 'Asia\/Shanghai'\?\)/],
    ["PST", /not a time zone id Flink accepts/],
    ["+08:00", /not a time zone id Flink accepts/],
  ] as const)
    assert.throws(
      () => config(zone),
      (e: Error) =>
        /'sink.partition-commit.watermark-time-zone' must be a time zone id Flink accepts/.test(e.message) &&
        why.test(e.message) &&
        e.message.endsWith(`got '${zone}'`),
    );
  // Java takes GMT+08:00 (Intl does not): partition 2024-01-02 is 2024-01-01T16:00Z.
  assert.equal(config("GMT+08:00")?.partitionTime(["2024-01-02"]), Date.UTC(2024, 0, 1, 16));
  assert.equal(localToInstant(Date.UTC(2024, 0, 2), "GMT-03:30"), Date.UTC(2024, 0, 2, 3, 30));
});

test("bad partition commit options are refused naming the option", () => {
  const fails = (over: Record<string, string>, keys: string[], message: RegExp) =>
    assert.throws(
      () => partitionCommitConfig({ ...base, ...over } as typeof base, keys, parseDurationOption),
      {
        message,
      },
    );
  fails(
    { "sink.partition-commit.policy.kind": "metastore" },
    ["a"],
    /'sink.partition-commit.policy.kind' 'metastore' is not supported: Fleuve has no metastore/,
  );
  fails({ "sink.partition-commit.policy.kind": "success-file,custom" }, ["a"], /'custom' is not supported/);
  fails({ "sink.partition-commit.policy.kind": "file" }, ["a"], /must be 'success-file', got 'file'/);
  fails({}, [], /'sink.partition-commit.policy.kind' needs a table PARTITIONED BY/);
  fails({ "sink.partition-commit.delay": "soon" }, ["a"], /'sink.partition-commit.delay' must be a duration/);
  fails(
    { "sink.partition-commit.watermark-time-zone": "Mars/Base" },
    ["a"],
    /'sink.partition-commit.watermark-time-zone' must be a time zone/,
  );
  fails(
    { "partition.time-extractor.kind": "custom" },
    ["a"],
    /'partition.time-extractor.kind' 'custom' is not supported/,
  );
  fails(
    { "sink.partition-commit.success-file.name": "a/b" },
    ["a"],
    /'sink.partition-commit.success-file.name' must be a file name/,
  );
  assert.equal(
    partitionCommitConfig(
      { ...base, "sink.partition-commit.policy.kind": undefined },
      ["a"],
      parseDurationOption,
    ),
    undefined,
    "no policy, no commit (as Flink)",
  );
});
