/**
 * The connector conformance suite of `@fleuve/core/testing` against the "log" connector (logSource
 * and logSink made from plain options), on a log directory of its own.
 */
import { test } from "node:test";
import { type ConformanceTarget, connectorConformanceCases } from "@fleuve/core/testing";
import { deadLetterTopic, logConnector, openLog } from "../../src/index.js";
import { tmpDir } from "../helpers.js";

const logDir = tmpDir("fleuve-log-conformance-");
let topics = 0;

/** Reads every committed value of `topic` (all partitions), opening the log only meanwhile. */
function readAll(topic: string): Buffer[] {
  const log = openLog({ dir: logDir, readOnly: true });
  try {
    const out: Buffer[] = [];
    const t = log.topic(topic);
    for (let p = 0; p < t.numPartitions; p++) {
      const part = t.partition(p);
      for (let off = part.logStartOffset; off < part.lastStableOffset; ) {
        const res = part.fetch(off, { isolation: "read_committed", maxRecords: 10_000 });
        for (const r of res.records) out.push(Buffer.from(r.value!));
        if (res.nextOffset <= off) break;
        off = res.nextOffset;
      }
    }
    return out;
  } finally {
    log.close();
  }
}

// The log is opened per operation and closed again: jobs of this process and the kill case's
// child processes take the directory's writer lock while they run.
const target: ConformanceTarget = {
  connector: logConnector,
  module: "@fleuve/log",
  options: { log: logDir },
  async createTopic(partitions) {
    const name = `conformance-${++topics}`;
    const log = openLog({ dir: logDir });
    try {
      log.createTopic(name, { partitions });
    } finally {
      log.close();
    }
    return name;
  },
  async append(topic, records) {
    const log = openLog({ dir: logDir });
    try {
      log.topic(topic).append(
        records.map((r) => ({
          partition: r.partition,
          key: Buffer.from(r.key),
          value: Buffer.from(r.value),
          timestamp: r.timestamp,
        })),
      );
    } finally {
      log.close();
    }
  },
  async readCommitted(topic) {
    return readAll(topic).map((b) => b.toString("utf8"));
  },
  deadLetters: {
    policy: (topic) => deadLetterTopic({ log: logDir, topic }),
    async read(topic) {
      return readAll(topic).map((b) => JSON.parse(b.toString("utf8")));
    },
  },
};

for (const c of connectorConformanceCases(target)) test(c.name, { timeout: 300_000 }, c.run);
