/**
 * Handlers for the `fleuve` CLI's log commands. Each takes the arguments after the command name
 * and the process streams, and resolves to an exit code (0 ok, 1 error, 2 usage).
 *
 *   topics create <name> [--partitions N] [--config key=value ...]
 *   topics list | topics describe <name> | topics delete <name>
 *   produce <topic> [--key <field>]            JSON lines on stdin, one record each
 *   consume <topic> [--from-beginning] [--max N] [--group G] [--offset-reset earliest|latest]
 *           [--isolation read_committed|read_uncommitted] [--metadata]
 * Every command accepts `--dir <path>` (default $FLEUVE_LOG_DIR or .fleuve/log). `consume` and
 * `topics list|describe` open the log read-only, so they work while a job writes to it.
 */

import { FleuveError, isFleuveError } from "@fleuve/core";
import { type Log, openLog } from "./log.js";
import type { IsolationLevel, LogRecord, ProducerRecord, TopicConfig } from "./types.js";

/** The streams a handler uses (process.stdin/stdout/stderr, or test doubles). */
export interface CliIo {
  stdin: AsyncIterable<string | Buffer>;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

/** A CLI handler: argv after the command name, resolves to the exit code. */
export type CliHandler = (argv: string[], io: CliIo) => Promise<number>;

interface Parsed {
  positional: string[];
  flags: Map<string, string[]>;
}

function parseArgs(argv: string[], valued: string[], booleans: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (booleans.includes(name)) {
        flags.set(name, ["true"]);
        continue;
      }
      if (!valued.includes(name)) throw usage(`Unknown option --${name}.`);
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined) throw usage(`Option --${name} needs a value.`);
      flags.set(name, [...(flags.get(name) ?? []), v]);
    } else positional.push(a);
  }
  return { positional, flags };
}

function usage(msg: string): FleuveError {
  return new FleuveError("FLEUVE_CLI_USAGE", msg);
}

function flag(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return v === undefined ? undefined : v[v.length - 1];
}

function intFlag(p: Parsed, name: string): number | undefined {
  const v = flag(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw usage(`--${name} must be a non-negative integer, got "${v}".`);
  return n;
}

async function run(
  dirArg: string | undefined,
  body: (log: Log) => Promise<number> | number,
  access: "read" | "write" = "write",
): Promise<number> {
  // Readers take no lock: they work beside the process writing the log (a running job).
  const log = openLog({ dir: dirArg ?? process.env.FLEUVE_LOG_DIR, readOnly: access === "read" });
  try {
    return await body(log);
  } finally {
    log.close();
  }
}

async function guard(io: CliIo, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (err) {
    if (isFleuveError(err)) {
      io.stderr.write(`${err.code}: ${err.message}\n`);
      return err.code === "FLEUVE_CLI_USAGE" ? 2 : 1;
    }
    throw err;
  }
}

const CONFIG_KEYS: Record<string, "int" | "string"> = {
  segmentBytes: "int",
  segmentMs: "int",
  retentionBytes: "int",
  retentionMs: "int",
  cleanupPolicy: "string",
  deleteRetentionMs: "int",
  fsync: "string",
  fsyncIntervalMs: "int",
  indexIntervalBytes: "int",
};

function parseConfig(items: string[]): Partial<TopicConfig> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    const k = item.slice(0, eq);
    if (eq <= 0 || !(k in CONFIG_KEYS)) {
      throw usage(
        `--config expects key=value with key one of ${Object.keys(CONFIG_KEYS).join(", ")}; got "${item}".`,
      );
    }
    const v = item.slice(eq + 1);
    out[k] = CONFIG_KEYS[k] === "int" ? Number(v) : v;
  }
  return out as Partial<TopicConfig>;
}

/** `topics create|list|describe|delete`. */
export const topicsCommand: CliHandler = (argv, io) =>
  guard(io, async () => {
    const p = parseArgs(argv, ["dir", "partitions", "config"], []);
    const [sub, name, ...extra] = p.positional;
    if (extra.length > 0) throw usage(`Unexpected argument "${extra[0]}".`);
    const needName = () => {
      if (name === undefined) throw usage(`topics ${sub} needs a topic name.`);
      return name;
    };
    switch (sub) {
      case "create": {
        const n = needName();
        const partitions = intFlag(p, "partitions") ?? 1;
        const config = parseConfig(p.flags.get("config") ?? []);
        return run(flag(p, "dir"), (log) => {
          log.createTopic(n, { partitions, config });
          io.stdout.write(`Created topic ${n} with ${partitions} partition(s).\n`);
          return 0;
        });
      }
      case "list":
        return run(
          flag(p, "dir"),
          (log) => {
            for (const t of log.listTopics()) io.stdout.write(`${t}\n`);
            return 0;
          },
          "read",
        );
      case "describe": {
        const n = needName();
        return run(
          flag(p, "dir"),
          (log) => {
            io.stdout.write(`${JSON.stringify(log.describeTopic(n), null, 2)}\n`);
            return 0;
          },
          "read",
        );
      }
      case "delete": {
        const n = needName();
        return run(flag(p, "dir"), (log) => {
          log.deleteTopic(n);
          io.stdout.write(`Deleted topic ${n}.\n`);
          return 0;
        });
      }
      default:
        throw usage(`topics needs a subcommand: create, list, describe or delete (got ${sub ?? "nothing"}).`);
    }
  });

async function* lines(input: AsyncIterable<string | Buffer>): AsyncGenerator<string> {
  let rest = "";
  const decoder = new TextDecoder();
  for await (const chunk of input) {
    rest += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let nl = rest.indexOf("\n");
    while (nl >= 0) {
      yield rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      nl = rest.indexOf("\n");
    }
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest;
}

/** `produce <topic> [--key <field>]`: one record per JSON line on stdin; the value is the line as written. */
export const produceCommand: CliHandler = (argv, io) =>
  guard(io, async () => {
    const p = parseArgs(argv, ["dir", "key"], []);
    const [topic, ...extra] = p.positional;
    if (topic === undefined) throw usage("produce needs a topic name: produce <topic> [--key <field>].");
    if (extra.length > 0) throw usage(`Unexpected argument "${extra[0]}".`);
    const keyField = flag(p, "key");
    return run(flag(p, "dir"), async (log) => {
      const t = log.topic(topic);
      let batch: ProducerRecord[] = [];
      let count = 0;
      let lineNo = 0;
      for await (const raw of lines(io.stdin)) {
        lineNo++;
        const line = raw.trim();
        if (line === "") continue;
        let obj: unknown;
        try {
          obj = JSON.parse(line);
        } catch {
          throw new FleuveError(
            "FLEUVE_LOG_RECORD_INVALID",
            `stdin line ${lineNo} is not valid JSON: ${line.slice(0, 80)}`,
            {
              details: { line: lineNo },
            },
          );
        }
        let key: Buffer | null = null;
        if (keyField !== undefined) {
          const k =
            obj !== null && typeof obj === "object" ? (obj as Record<string, unknown>)[keyField] : undefined;
          if (k === undefined || k === null) {
            throw new FleuveError(
              "FLEUVE_LOG_RECORD_INVALID",
              `stdin line ${lineNo} has no field "${keyField}" to use as the key (--key ${keyField}).`,
              { details: { line: lineNo, field: keyField } },
            );
          }
          key = Buffer.from(typeof k === "string" ? k : JSON.stringify(k), "utf8");
        }
        batch.push({ key, value: Buffer.from(line, "utf8") });
        if (batch.length >= 1000) {
          t.append(batch);
          count += batch.length;
          batch = [];
        }
      }
      if (batch.length > 0) t.append(batch);
      count += batch.length;
      io.stderr.write(`Produced ${count} record(s) to ${topic}.\n`);
      return 0;
    });
  });

/**
 * Writes a chunk of output; when the stream's buffer is full (a pipe read slowly), waits for it to
 * drain before the caller fetches more, so printing a big topic takes bounded memory.
 */
async function writeOut(out: CliIo["stdout"], chunk: string): Promise<void> {
  const stream = out as CliIo["stdout"] & {
    once?(event: string, listener: () => void): unknown;
    off?(event: string, listener: () => void): unknown;
  };
  if (stream.write(chunk) !== false || stream.once === undefined) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      for (const e of ["drain", "close", "error"]) stream.off?.(e, done);
      resolve();
    };
    // A reader gone for good closes the stream instead of draining it.
    for (const e of ["drain", "close", "error"]) stream.once!(e, done);
  });
}

function envelope(topic: string, partition: number, r: LogRecord): string {
  const v = r.value === null ? null : r.value.toString("utf8");
  let value: unknown = v;
  if (v !== null) {
    try {
      value = JSON.parse(v);
    } catch {
      value = v;
    }
  }
  return JSON.stringify({
    topic,
    partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : r.key.toString("utf8"),
    value,
    headers: r.headers.map(([k, b]) => [k, b.toString("utf8")]),
  });
}

/**
 * `consume <topic>`: prints records as JSON lines (the value as produced; `--metadata` wraps each in
 * {topic, partition, offset, timestamp, key, value, headers}). With `--group` it resumes from the
 * committed offsets and commits what it printed. A partition without a committed offset (every
 * partition, without `--group`) starts where `--offset-reset` says: `latest` (the default, as
 * Kafka's auto.offset.reset) or `earliest`; `--from-beginning` means earliest, as in
 * kafka-console-consumer. It reads committed data only (`--isolation read_committed`, the
 * default): Fleuve's sinks write transactions, so what it prints is what the job guarantees.
 * Stops at the end of the log or after `--max N` records. It opens the log read-only, so it works
 * while a job writes to it.
 */
export const consumeCommand: CliHandler = (argv, io) =>
  guard(io, async () => {
    const p = parseArgs(
      argv,
      ["dir", "max", "group", "isolation", "offset-reset"],
      ["from-beginning", "metadata"],
    );
    const [topic, ...extra] = p.positional;
    if (topic === undefined)
      throw usage(
        "consume needs a topic name: consume <topic> [--from-beginning] [--max N] [--group G] [--offset-reset earliest|latest].",
      );
    if (extra.length > 0) throw usage(`Unexpected argument "${extra[0]}".`);
    const max = intFlag(p, "max") ?? Number.POSITIVE_INFINITY;
    const isolation = (flag(p, "isolation") ?? "read_committed") as IsolationLevel;
    if (isolation !== "read_committed" && isolation !== "read_uncommitted") {
      throw usage(`--isolation must be read_committed or read_uncommitted, got "${isolation}".`);
    }
    const resetFlag = flag(p, "offset-reset");
    if (resetFlag !== undefined && resetFlag !== "earliest" && resetFlag !== "latest") {
      throw usage(`--offset-reset must be earliest or latest, got "${resetFlag}".`);
    }
    if (p.flags.has("from-beginning") && resetFlag === "latest") {
      throw usage("--from-beginning means --offset-reset earliest; drop one of them.");
    }
    const reset = p.flags.has("from-beginning") ? "earliest" : (resetFlag ?? "latest");
    const metadata = p.flags.has("metadata");
    const groupId = flag(p, "group");
    return run(
      flag(p, "dir"),
      async (log) => {
        const t = log.topic(topic);
        const group = groupId === undefined ? undefined : log.consumerGroup(groupId);
        // Start offsets first, so the hint about a new group comes before the records.
        const starts: number[] = [];
        const skipped: number[] = [];
        for (let part = 0; part < t.numPartitions; part++) {
          const pl = t.partition(part);
          const committed = group?.committed(topic, part);
          if (committed !== undefined && committed >= pl.logStartOffset && committed <= pl.logEndOffset) {
            starts.push(committed);
            continue;
          }
          // A read_committed consumer's "latest" is the last stable offset, as in Kafka: records of
          // a transaction still open there are printed once it commits.
          const end = isolation === "read_committed" ? pl.lastStableOffset : pl.logEndOffset;
          if (reset === "latest" && end > pl.logStartOffset) skipped.push(part);
          starts.push(reset === "earliest" ? pl.logStartOffset : end);
        }
        // consume stops at the end instead of following the log, so a start at the end of a
        // non-empty partition prints nothing from it: say why, with or without a group.
        if (skipped.length > 0) {
          const who =
            group === undefined
              ? `no --group, so it starts at the end of ${topic} partition(s) ${skipped.join(", ")}`
              : `group "${group.groupId}" has no committed offset for ${topic} partition(s) ${skipped.join(", ")}, so it starts at the end there`;
          const later =
            group === undefined ? "" : " and the group's next run prints the records written after now";
          io.stderr.write(
            `consume: ${who} (--offset-reset latest, the default). consume stops at the end instead of following the log, so this run prints nothing from there${later}. Use --offset-reset earliest (or --from-beginning) to read what is there.\n`,
          );
        }
        let printed = 0;
        for (let part = 0; part < t.numPartitions && printed < max; part++) {
          const pl = t.partition(part);
          let offset = starts[part]!;
          group?.seek(topic, part, offset);
          for (;;) {
            const res = pl.fetch(offset, { isolation, maxRecords: Math.min(max - printed, 10000) });
            let out = "";
            for (const r of res.records)
              out += `${metadata ? envelope(topic, part, r) : (r.value?.toString("utf8") ?? "null")}\n`;
            if (out.length > 0) await writeOut(io.stdout, out);
            printed += res.records.length;
            const done = res.nextOffset === offset;
            offset = res.nextOffset;
            group?.seek(topic, part, offset);
            if (
              done ||
              printed >= max ||
              offset >= (isolation === "read_committed" ? res.lastStableOffset : res.highWatermark)
            )
              break;
          }
        }
        group?.commitPositions();
        return 0;
      },
      "read",
    );
  });

/** Dispatches `topics`, `produce` and `consume` (argv[0] is the command). */
export const logCommand: CliHandler = (argv, io) => {
  const [cmd, ...rest] = argv;
  if (cmd === "topics") return topicsCommand(rest, io);
  if (cmd === "produce") return produceCommand(rest, io);
  if (cmd === "consume") return consumeCommand(rest, io);
  return guard(io, async () => {
    throw usage(`Unknown log command "${cmd ?? ""}"; use topics, produce or consume.`);
  });
};
