/**
 * How docs-commands.test.ts runs the shell commands of README.md and docs/*.md that it cannot run
 * exactly as printed. A command shown in a ```sh block (or a `fleuve ...` line of a plain block)
 * runs as printed, in the doc's sandbox, unless it has an entry here; one that cannot run as
 * printed (placeholders, a long-running job, a broker to stop) and has no entry fails the test.
 *
 * The key is the command as the doc prints it: the trailing `# comment` dropped, continuation lines
 * joined with single spaces. Each entry says why, and what runs instead: a bounded variant, the
 * command's --help, or nothing (`skip`) when running it here would harm the machine or the suite.
 */

/** What to do with one command shown in the docs. */
export interface DocCommandEntry {
  /** Why the command is not run exactly as printed (shown in the test's output). */
  reason: string;
  /** Not run at all. */
  skip?: true;
  /** The shell command run instead; `{name}` stands for a value captured by an earlier command. */
  run?: string;
  /** Files written into the sandbox before the command runs: path -> text, or `@repo/path` to copy. */
  files?: Record<string, string>;
  /**
   * Runs in the background: the doc goes on once it is ready (its control socket exists, say);
   * it must end with exit code 0 when a later `awaitBackground` entry, or the end of the doc,
   * waits for it (after `stopWith`, if given).
   */
  background?: {
    /** Ready once this sandbox path exists. */
    readyWhen?: string;
    /** Ready once its stderr matches. */
    readyWhenStderr?: RegExp;
    /** Sent to it (its process group) when the doc waits for it, as Ctrl-C would be. */
    stopWith?: NodeJS.Signals;
    /** Its exit code then (default 0; a cancelled `fleuve run` exits 130). */
    exitCode?: number;
  };
  /** After this command, wait for the doc's background command to end (exit code 0). */
  awaitBackground?: true;
  /** Stores the first match of `pattern` in the command's stdout as `{name}`. */
  capture?: { name: string; pattern: RegExp };
}

const FLEUVE = "node packages/cli/bin/fleuve.js";

/** How a doc's sandbox differs from a reader's shell. */
export interface DocSandbox {
  /** Names made unique per run in every command of the doc (`{unique}` is the run's own id). */
  rename?: [RegExp, string][];
  /** Run at the end of the doc, whatever happened (its exit code is not checked). */
  cleanup?: string;
}

/**
 * The Kafka broker is shared by every test run on the machine, and topics outlive a run: the
 * Kafka doc's topics and groups get names of their own per run, deleted at the end.
 */
export const DOC_SANDBOXES: Record<string, DocSandbox> = {
  "docs/kafka.md": {
    rename: [
      [/\borders-in\b/g, "orders-in-{unique}"],
      [/\borders-out\b/g, "orders-out-{unique}"],
      [/\btotals\b/g, "totals-{unique}"],
      [/--group orders\b/g, "--group orders-{unique}"],
    ],
    cleanup: `${FLEUVE} kafka topics list | grep -e '{unique}' | while read -r t; do ${FLEUVE} kafka topics delete "$t"; done`,
  },
};
const SOCKET = ".fleuve/jobs/savepoint-counter.sock";

/**
 * A shell line that starts `job` in the background, waits for its control socket (failing if the
 * job ends first), runs `stop` (which must stop it), and then requires the job's exit code 0.
 */
function startThenStop(job: string, stop: string): string {
  return `${job} >job.out 2>&1 & job=$!; until [ -S ${SOCKET} ]; do kill -0 $job || { cat job.out; exit 1; }; sleep 0.1; done; ${stop} && wait $job`;
}

/** Commands of the docs not run exactly as printed, by their printed text. */
export const DOC_COMMANDS: Record<string, DocCommandEntry> = {
  // --- installing and the test suite itself ---
  "npm ci && npm run demo": {
    reason:
      "npm ci would reinstall the shared node_modules and npm run demo rebuilds the tree; the demo itself runs, bounded",
    run: `${FLEUVE} demo --events 2000 --rate 0`,
  },
  "npm ci && npm test": { reason: "this is the whole test suite, of which this test is a part", skip: true },

  // --- README: checkpoints and savepoints from the command line ---
  "npm run fleuve -- run job.ts --checkpoint-dir .fleuve/cp --resume": {
    reason: "job.ts stands for any job file: the savepoint example is put there",
    files: { "job.ts": "@examples/savepoint-counter.ts" },
  },
  "npm run fleuve -- savepoint <job-name> [--stop]": {
    reason:
      "needs a running job: job.ts is started at 100 numbers/s in the background, then stopped with a savepoint",
    run: startThenStop(`${FLEUVE} run job.ts -- 100`, "npm run fleuve -- savepoint savepoint-counter --stop"),
    capture: { name: "folder", pattern: /\/\S*savepoint-savepoint-counter-\S+/ },
  },
  "npm run fleuve -- run job.ts --from-savepoint <folder>": {
    reason: "<folder> is the folder the savepoint command printed",
    run: "npm run fleuve -- run job.ts --from-savepoint {folder}",
  },

  // --- docs/fault-tolerance.md ---
  "fleuve run job.ts --checkpoint-dir .fleuve/cp --resume": {
    reason: "job.ts stands for any job file: the savepoint example is put there",
    files: { "job.ts": "@examples/savepoint-counter.ts" },
  },
  "fleuve savepoint <job-name> [--stop]": {
    reason:
      "needs a running job: job.ts runs at 100 numbers/s in the background and is stopped with a savepoint",
    run: startThenStop("fleuve run job.ts -- 100", "fleuve savepoint savepoint-counter --stop"),
    capture: { name: "path", pattern: /\/\S*savepoint-savepoint-counter-\S+/ },
  },
  "fleuve run job.ts --from-savepoint <path>": {
    reason: "<path> is the folder the savepoint command printed",
    run: "fleuve run job.ts --from-savepoint {path}",
  },
  "fleuve demo": {
    reason:
      "runs 10 s by default; a bounded run of the same demo (its results are read further down the doc)",
    run: "fleuve demo --events 2000 --rate 0",
  },
  "fleuve run examples/savepoint-counter.ts -- 1000": {
    reason:
      "the savepoint commands below need it running: started in the background at 100 numbers/s so it surely still runs when they do",
    run: "fleuve run examples/savepoint-counter.ts -- 100",
    background: { readyWhen: SOCKET },
  },
  "fleuve savepoint savepoint-counter": {
    reason: "run as printed; the printed folder is kept for the resume below",
    run: "fleuve savepoint savepoint-counter",
    capture: { name: "printed path", pattern: /\/\S*savepoint-savepoint-counter-\S+/ },
  },
  "fleuve savepoint savepoint-counter --stop": {
    reason: "run as printed; then the job started above must end with exit code 0",
    run: "fleuve savepoint savepoint-counter --stop",
    awaitBackground: true,
  },
  "fleuve run examples/savepoint-counter.ts --from-savepoint <printed path> -- 1000": {
    reason: "<printed path> is the folder the first savepoint command printed",
    run: 'fleuve run examples/savepoint-counter.ts --from-savepoint "{printed path}" -- 10000',
  },

  // --- docs/log.md ---
  "fleuve produce orders --key user < orders.jsonl": {
    reason: "reads orders.jsonl, which the doc leaves to the reader: two orders are put there",
    files: {
      "orders.jsonl": '{"user":"ada","item":"book","amount":12}\n{"user":"bob","item":"pen","amount":2}\n',
    },
  },

  // --- docs/kafka-broker.md: the shared broker that other tests use is never stopped ---
  "npm run services:down": {
    reason: "stops the Kafka broker the rest of the suite uses; `status` runs instead",
    run: "node scripts/services.mjs status",
  },
  "node scripts/services.mjs reset": {
    reason: "stops the shared broker and deletes every topic the rest of the suite uses",
    skip: true,
  },
  "apt-get install -y kcat": {
    reason: "installs a system package (.ci/run does); checks that kcat is there instead",
    run: "command -v kcat",
  },

  // --- docs/kafka.md (topic and group names made unique per run, see DOC_SANDBOXES) ---
  "node packages/cli/bin/fleuve.js run packages/kafka/test/fixtures/group-job.ts --checkpoint-dir .fleuve/orders --checkpoint-interval 500 -- 127.0.0.1:9092 orders-in orders-out":
    {
      reason:
        "runs until Ctrl-C: started in the background; once the output is read below, Ctrl-C cancels it (exit 130)",
      background: { readyWhen: ".fleuve/jobs/group-job.sock", stopWith: "SIGINT", exitCode: 130 },
    },
  "kcat -b 127.0.0.1:9092 -C -t orders-out -X isolation.level=read_committed -e -q": {
    reason:
      "output becomes visible at the job's checkpoints: read until 2,000 counts and 140 windows are there, then check there are exactly that many (no duplicates); then the job is stopped",
    // Windows fire after the counts (when the flush records pass the watermark): wait for both.
    run: `until out=$(kcat -b 127.0.0.1:9092 -C -t orders-out -X isolation.level=read_committed -e -q); [ "$(echo "$out" | grep -c '"kind":"count"')" -ge 2000 ] && [ "$(echo "$out" | grep -c '"kind":"window"')" -ge 140 ]; do sleep 0.5; done; echo "$out" | tail -3; c=$(echo "$out" | grep -c '"kind":"count"'); w=$(echo "$out" | grep -c '"kind":"window"'); echo "counts $c, windows $w"; [ "$c" -eq 2000 ] && [ "$w" -eq 140 ]`,
    awaitBackground: true,
  },
  "node packages/cli/bin/fleuve.js run packages/kafka/test/fixtures/group-job.ts --group orders --checkpoint-dir /mnt/shared/checkpoints --checkpoint-interval 500 -- 127.0.0.1:9092 orders-in orders-out":
    {
      reason:
        "joins the group until Ctrl-C; /mnt/shared stands for a shared folder, and the walkthrough above deleted the topics: they are created again, one process joins, then Ctrl-C must leave with exit 0",
      run: `${FLEUVE} kafka topics create orders-in --partitions 6 && ${FLEUVE} kafka topics create orders-out && exec ${FLEUVE} run packages/kafka/test/fixtures/group-job.ts --group orders --checkpoint-dir shared/checkpoints --checkpoint-interval 500 -- 127.0.0.1:9092 orders-in orders-out`,
      background: { readyWhenStderr: /joined group/, stopWith: "SIGINT" },
    },

  // --- docs/observability.md: the NAB evaluation of @fleuve/alerts ---
  "npm run build && node --import tsx bench/alerts/nab.ts": {
    reason:
      "replays all 35 NAB series (a minute of CPU on a loaded machine) and rewrites the doc's table; one series, printed only (bench/alerts/nab.test.ts checks the scoring on a subset)",
    run: "node --import tsx bench/alerts/nab.ts --no-write --only iio_us-east-1",
  },
  // --- docs/benchmarks.md: minutes of CPU each; bench/*.test.ts run the benchmarks small ---
  "npm run bench": {
    reason: "10M records, 3 runs: minutes of CPU; a small run of the same script instead",
    run: "node --import tsx bench/run.ts --only stateless --runs 1 --events 20000 --no-latency --no-baseline",
  },
  "npm run bench -- --only tumbling,sliding --runs 5 --events 2000000": {
    reason: "minutes of CPU; the same options, small",
    run: "node --import tsx bench/run.ts --only tumbling,sliding --runs 1 --events 20000 --no-latency",
  },
  "npm run bench -- --no-latency --no-baseline": {
    reason: "all benchmarks on 10M records; one small one with these options",
    run: "node --import tsx bench/run.ts --only session --runs 1 --events 20000 --no-latency --no-baseline",
  },
  "npm run bench -- --soak 600 --only sliding --rate 50000": {
    reason: "a 10-minute soak; 2 s of it",
    run: "node --import tsx bench/run.ts --soak 2 --only sliding --rate 50000",
  },
  "node --import tsx bench/core/worker.ts --bench session --mode latency --rate 300000 --seconds 10": {
    reason: "10 s at 300,000 events/s; 1 s at 20,000",
    run: "node --import tsx bench/core/worker.ts --bench session --mode latency --rate 20000 --seconds 1",
  },
  "npm run bench:cep -- --events 1000000 --keys 100000 --runs 3": {
    reason:
      "both engines (Flink through Maven) on 1M events, 3 runs: many minutes; Fleuve alone on 2000 events",
    run: "node --import tsx bench/cep/run.ts --engine fleuve --events 2000 --keys 100 --runs 1 --dir .cache/cep-bench-docs",
  },
  "npm run bench:cep -- --events 10000000 --keys 100000 --runs 1": {
    reason: "10M events on both engines: most of an hour; Fleuve alone on 2000 events",
    run: "node --import tsx bench/cep/run.ts --engine fleuve --only fraud --events 2000 --keys 100 --runs 1 --dir .cache/cep-bench-docs",
  },
  // --- docs/observability.md: a job serving its metrics while the doc's curl lines scrape it ---
  "fleuve run examples/user-metrics.ts --metrics-port 9464 --dashboard-port 8099 -- 100 &": {
    reason:
      "runs in the background until the end of the doc (then Ctrl-C: exit 130); at 20 orders/s so that it surely still runs then",
    run: "exec fleuve run examples/user-metrics.ts --metrics-port 9464 --dashboard-port 8099 -- 20",
    background: {
      // the dashboard starts after the metrics endpoint: ready once both are up
      readyWhenStderr: /^dashboard: http:\/\/127\.0\.0\.1:8099\//m,
      stopWith: "SIGINT",
      exitCode: 130,
    },
  },
  "curl -s http://127.0.0.1:9464/metrics | grep '^fleuve_user_large_orders_total'": {
    reason:
      "the endpoint is up before the job's operators are open: waits until they are (a reader runs it seconds later), then runs it as printed",
    run: "until curl -s http://127.0.0.1:9464/metrics | grep -q '^fleuve_user_large_orders_total'; do sleep 0.1; done; curl -s http://127.0.0.1:9464/metrics | grep '^fleuve_user_large_orders_total'",
  },
  "prometheus --config.file=prometheus.yml --storage.tsdb.path=prom-data --web.listen-address=127.0.0.1:9090":
    {
      reason:
        "a server that runs until stopped, on a fixed port: packages/metrics/test/server.test.ts starts Debian's prometheus the same way on a free port, scrapes a running job and checks the query API's values",
      skip: true,
    },
  "curl -sG http://127.0.0.1:9090/api/v1/query --data-urlencode 'query=sum by (operator) (rate(fleuve_operator_records_in_total[1m]))'":
    {
      reason: "needs the Prometheus server above (tested by packages/metrics/test/server.test.ts)",
      skip: true,
    },
  "bench/flink-core/run.sh --runs 3 --events 10000000 --only stateless,tumbling": {
    reason: "builds and runs Apache Flink jobs with Maven: many minutes; not run by the test suite",
    skip: true,
  },
};
