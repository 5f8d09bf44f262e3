#!/usr/bin/env node
// Local services for Fleuve's development, tests and CI: a real single-node Apache Kafka broker
// (KRaft, combined broker+controller), no Docker. Plain Node ESM with no dependencies so it runs
// before `npm ci` or any build.
//
//   node scripts/services.mjs up       start the broker (idempotent), print the bootstrap address
//   node scripts/services.mjs down     stop the broker this script started
//   node scripts/services.mjs status   say whether a broker answers, exit 0 if so, 3 if not
//   node scripts/services.mjs reset    stop the broker and delete its data (topics, offsets)
//
// Options: --port N (default 9092; the controller takes N+1) and --home DIR (default .cache/kafka)
// start and stop a second, independent broker, e.g. for a test that stops its broker mid-run.
//
// The broker jars come from Maven Central through scripts/kafka/pom.xml into .cache/kafka/libs.
// Everything the broker writes (data, config, server.log, pid file) stays in .cache/kafka/.
// See docs/kafka-broker.md.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const POM = join(ROOT, "scripts", "kafka", "pom.xml");
/** `--port N` and `--home DIR` run a second, separate broker (tests that stop a broker use one). */
function flag(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const LIBS = join(ROOT, ".cache", "kafka", "libs");
const CACHE = flag("home") ? resolve(flag("home")) : join(ROOT, ".cache", "kafka");
const DATA = join(CACHE, "data");
const CONFIG = join(CACHE, "server.properties");
const LOG4J = join(CACHE, "log4j2.properties");
const LOG = join(CACHE, "server.log");
const PID = join(CACHE, "kafka.pid");
const STAMP = join(LIBS, ".pom-sha256");

const HOST = "127.0.0.1";
const PORT = flag("port") ? Number(flag("port")) : 9092;
const CONTROLLER_PORT = PORT + 1;
const BOOTSTRAP = `${HOST}:${PORT}`;
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

/** Broker settings for one node on a developer machine or CI runner. Why each one: docs/kafka-broker.md. */
function serverProperties() {
  return `# Written by scripts/services.mjs on every start; edit that script, not this file.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${CONTROLLER_PORT}
listeners=PLAINTEXT://${HOST}:${PORT},CONTROLLER://${HOST}:${CONTROLLER_PORT}
advertised.listeners=PLAINTEXT://${HOST}:${PORT}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${DATA}
num.network.threads=2
num.io.threads=4
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.bytes=268435456
`;
}

const LOG4J_PROPERTIES = `# Written by scripts/services.mjs. Everything goes to stdout, which the script sends to server.log.
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.state.name = state.change.logger
logger.state.level = WARN
logger.controller.name = org.apache.kafka.controller
logger.controller.level = WARN
logger.raft.name = org.apache.kafka.raft
logger.raft.level = WARN
`;

function say(msg) {
  console.log(`[services] ${msg}`);
}

function fail(msg) {
  console.error(`[services] ERROR: ${msg}`);
  process.exit(1);
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

// ---------------------------------------------------------------------------------------------
// A minimal Kafka protocol probe: ApiVersions, then Metadata. A TCP connect alone is not enough,
// because the port opens before the broker has joined the quorum and can serve clients.
// ---------------------------------------------------------------------------------------------

function request(apiKey, apiVersion, correlationId, body) {
  const clientId = Buffer.from("fleuve-services");
  const header = Buffer.alloc(10);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const payload = Buffer.concat([header, clientId, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

/** Opens a socket and returns a function sending one request and resolving with its response body. */
function openConnection(host, port, timeoutMs) {
  return new Promise((resolveConn, rejectConn) => {
    const socket = connect({ host, port });
    let buf = Buffer.alloc(0);
    let waiter = null;
    const timer = setTimeout(() => {
      socket.destroy(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 4) {
        const size = buf.readInt32BE(0);
        if (buf.length >= 4 + size && waiter) {
          const frame = buf.subarray(4, 4 + size);
          buf = buf.subarray(4 + size);
          const w = waiter;
          waiter = null;
          w.resolve(frame);
        }
      }
    });
    socket.on("error", (err) => {
      clearTimeout(timer);
      if (waiter) waiter.reject(err);
      rejectConn(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      if (waiter) waiter.reject(new Error("connection closed by the broker"));
    });
    socket.on("connect", () => {
      resolveConn({
        send(frame) {
          return new Promise((res, rej) => {
            waiter = { resolve: res, reject: rej };
            socket.write(frame);
          });
        },
        close() {
          clearTimeout(timer);
          socket.destroy();
        },
      });
    });
  });
}

/**
 * Asks the broker for its metadata. Resolves with the number of live brokers it reports, or rejects
 * when nothing listens or the broker cannot answer yet.
 */
async function probe(host = HOST, port = PORT, timeoutMs = 3000) {
  const conn = await openConnection(host, port, timeoutMs);
  try {
    // ApiVersions v0 (kept by every broker version) tells which Metadata versions this broker serves.
    const av = await conn.send(request(18, 0, 1, Buffer.alloc(0)));
    const errorCode = av.readInt16BE(4);
    if (errorCode !== 0) throw new Error(`ApiVersions error code ${errorCode}`);
    const n = av.readInt32BE(6);
    let metaMin = -1;
    let metaMax = -1;
    for (let i = 0; i < n; i++) {
      const off = 10 + i * 6;
      if (av.readInt16BE(off) === 3) {
        metaMin = av.readInt16BE(off + 2);
        metaMax = av.readInt16BE(off + 4);
      }
    }
    // v4..v8 share one non-flexible layout: topics (null = all), allow_auto_topic_creation, and from
    // v8 two include_* booleans. Pick the lowest of those the broker accepts.
    const version = Math.max(4, metaMin);
    if (metaMin < 0 || version > 8 || version > metaMax) {
      throw new Error(`broker offers Metadata v${metaMin}-v${metaMax}, this probe speaks v4-v8`);
    }
    const body = Buffer.alloc(version >= 8 ? 7 : 5);
    body.writeInt32BE(-1, 0); // null topics array: all topics
    body.writeInt8(0, 4); // allow_auto_topic_creation
    const md = await conn.send(request(3, version, 2, body));
    // Response: correlation_id, throttle_time_ms (v3+), brokers array.
    const brokers = md.readInt32BE(8);
    if (brokers < 1) throw new Error("broker reports no live brokers yet");
    return brokers;
  } finally {
    conn.close();
  }
}

async function answers() {
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------

function readPid() {
  if (!existsSync(PID)) return undefined;
  const pid = Number.parseInt(readFileSync(PID, "utf8").trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** True if `pid` is alive and is our Kafka JVM (a recycled pid must never be signalled). */
function isOurBroker(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.includes("kafka.Kafka") && cmd.includes(CONFIG);
  } catch {
    return true; // no /proc (macOS): trust the pid file
  }
}

function logTail(lines = 25) {
  if (!existsSync(LOG)) return "(no server.log yet)";
  const size = statSync(LOG).size;
  const len = Math.min(size, 16_384);
  const fd = openSync(LOG, "r");
  const buf = Buffer.alloc(len);
  readSync(fd, buf, 0, len, size - len);
  closeSync(fd);
  return buf.toString("utf8").split("\n").slice(-lines).join("\n");
}

function requireTool(cmd, hint) {
  const r = spawnSync(cmd, ["-version"], { stdio: "ignore" });
  if (r.error) fail(`\`${cmd}\` is not on PATH. ${hint}`);
}

function pomHash() {
  return createHash("sha256").update(readFileSync(POM)).digest("hex");
}

/** Downloads the broker jars unless the cache already holds the set for the current pom.xml. */
function fetchJars() {
  if (existsSync(STAMP) && readFileSync(STAMP, "utf8").trim() === pomHash()) return;
  requireTool(
    "mvn",
    "Install Maven 3.8+ (apt-get install -y maven); it fetches the broker from Maven Central.",
  );
  say(`fetching Kafka broker jars from Maven Central into ${LIBS} ...`);
  const tmp = `${LIBS}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  // Output captured: quiet Maven still emits terminal escape codes; shown only when it fails.
  const r = spawnSync(
    "mvn",
    [
      "-B",
      "-q",
      "-Dstyle.color=never",
      "-f",
      POM,
      "dependency:copy-dependencies",
      `-DoutputDirectory=${tmp}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" },
  );
  if (r.status !== 0) {
    fail(
      `mvn could not fetch the Kafka jars (exit ${r.status ?? r.error}):\n${r.stdout ?? ""}${r.stderr ?? ""}`,
    );
  }
  writeFileSync(join(tmp, ".pom-sha256"), `${pomHash()}\n`);
  // Swap in whole so an interrupted download never leaves a half-filled libs folder behind.
  rmSync(LIBS, { recursive: true, force: true });
  renameSync(tmp, LIBS);
}

function javaBase() {
  return ["-cp", `${LIBS}/*`, `-Dlog4j2.configurationFile=${LOG4J}`, "-Djava.awt.headless=true"];
}

/** Formats the KRaft log directory once; later starts reuse it (topics survive down/up). */
function formatStorage() {
  if (existsSync(join(DATA, "meta.properties"))) return;
  let clusterId;
  do clusterId = randomBytes(16).toString("base64url");
  while (clusterId.startsWith("-")); // Kafka's own generator avoids a leading '-' (it reads as a CLI flag)
  say(`formatting KRaft storage in ${DATA} (cluster id ${clusterId})`);
  const r = spawnSync(
    "java",
    [
      "-Xmx256m",
      ...javaBase(),
      "kafka.tools.StorageTool",
      "format",
      "--cluster-id",
      clusterId,
      "--config",
      CONFIG,
      "--ignore-formatted",
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0)
    fail(`formatting the Kafka storage failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
}

async function up() {
  if (await answers()) {
    say(`a Kafka broker already answers on ${BOOTSTRAP}; nothing to do.`);
    console.log(BOOTSTRAP);
    return;
  }
  const pid = readPid();
  if (pid !== undefined && isOurBroker(pid)) {
    say(`broker process ${pid} is running but not answering yet; waiting for it.`);
    await waitReady(pid);
    return;
  }
  if (pid !== undefined) rmSync(PID, { force: true });
  const busy = await new Promise((r) => {
    const s = connect({ host: HOST, port: PORT });
    s.on("connect", () => {
      s.destroy();
      r(true);
    });
    s.on("error", () => r(false));
  });
  if (busy) fail(`port ${BOOTSTRAP} is taken by something that does not answer as a Kafka broker; free it.`);

  requireTool("java", "Install a Java 17+ runtime (apt-get install -y openjdk-17-jre-headless).");
  mkdirSync(CACHE, { recursive: true });
  fetchJars();
  writeFileSync(CONFIG, serverProperties());
  writeFileSync(LOG4J, LOG4J_PROPERTIES);
  formatStorage();

  const out = openSync(LOG, "a");
  const child = spawn(
    "java",
    [
      "-Xms256m",
      "-Xmx512m",
      "-XX:+UseG1GC",
      "-XX:MaxGCPauseMillis=20",
      "-XX:+ExitOnOutOfMemoryError",
      ...javaBase(),
      "kafka.Kafka",
      CONFIG,
    ],
    { detached: true, stdio: ["ignore", out, out], cwd: CACHE },
  );
  closeSync(out);
  writeFileSync(PID, `${child.pid}\n`);
  child.unref();
  say(`started Kafka broker (pid ${child.pid}), log: ${LOG}`);
  await waitReady(child.pid);
}

async function waitReady(pid) {
  const started = Date.now();
  let lastErr = "";
  while (Date.now() - started < START_TIMEOUT_MS) {
    try {
      await probe();
      say(`Kafka broker ready in ${((Date.now() - started) / 1000).toFixed(1)} s; bootstrap servers:`);
      console.log(BOOTSTRAP);
      return;
    } catch (err) {
      lastErr = err instanceof Error ? err.message : String(err);
    }
    if (!isOurBroker(pid)) {
      rmSync(PID, { force: true });
      fail(`the Kafka broker exited during start-up. Last lines of ${LOG}:\n${logTail()}`);
    }
    await sleep(500);
  }
  fail(
    `the Kafka broker (pid ${pid}) did not answer on ${BOOTSTRAP} within ${START_TIMEOUT_MS / 1000} s ` +
      `(last probe: ${lastErr}). It is left running; look at ${LOG}, then \`node scripts/services.mjs down\`.\n` +
      logTail(),
  );
}

async function down() {
  const pid = readPid();
  if (pid === undefined || !isOurBroker(pid)) {
    if (pid !== undefined) rmSync(PID, { force: true });
    if (await answers()) {
      say(`a broker answers on ${BOOTSTRAP} but was not started by this script; leaving it alone.`);
    } else {
      say("no Kafka broker running.");
    }
    return;
  }
  say(`stopping Kafka broker (pid ${pid}) ...`);
  process.kill(pid, "SIGTERM");
  const started = Date.now();
  while (isOurBroker(pid) && Date.now() - started < STOP_TIMEOUT_MS) await sleep(250);
  if (isOurBroker(pid)) {
    say(`still running after ${STOP_TIMEOUT_MS / 1000} s; sending SIGKILL.`);
    process.kill(pid, "SIGKILL");
    while (isOurBroker(pid)) await sleep(100);
  }
  rmSync(PID, { force: true });
  say("stopped.");
}

async function status() {
  const pid = readPid();
  const ours = pid !== undefined && isOurBroker(pid);
  if (await answers()) {
    say(
      `Kafka broker answers on ${BOOTSTRAP}${ours ? ` (pid ${pid}, log ${LOG})` : " (not started by this script)"}.`,
    );
    return 0;
  }
  say(
    ours
      ? `Kafka broker process ${pid} is running but does not answer on ${BOOTSTRAP} yet; see ${LOG}.`
      : `no Kafka broker answers on ${BOOTSTRAP}. Start one: npm run services:up`,
  );
  return 3;
}

async function reset() {
  await down();
  rmSync(DATA, { recursive: true, force: true });
  say(`deleted ${DATA}; the next \`up\` formats fresh storage.`);
}

const cmd = process.argv[2];
switch (cmd) {
  case "up":
    await up();
    break;
  case "down":
    await down();
    break;
  case "status":
    process.exitCode = await status();
    break;
  case "reset":
    await reset();
    break;
  default:
    console.error("usage: node scripts/services.mjs up|down|status|reset");
    process.exit(2);
}
