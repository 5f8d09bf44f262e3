// Usage errors: exit code 2, one line naming the bad command/option, then the usage text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GROUP_DEFAULTS } from "@fleuve/kafka";
import { fleuve } from "./helpers.js";

const cases: { args: string[]; names: RegExp }[] = [
  { args: ["frobnicate"], names: /unknown command 'frobnicate'/ },
  { args: ["--frob"], names: /unknown option '--frob'/ },
  { args: ["demo", "--bogus", "3"], names: /unknown option '--bogus' for 'fleuve demo'/ },
  { args: ["demo", "--events", "many"], names: /option '--events' needs a number, got 'many'/ },
  { args: ["demo", "--events", "0"], names: /option '--events' must be an integer >= 1, got 0/ },
  { args: ["demo", "--parallelism", "1.5"], names: /option '--parallelism' must be an integer >= 1/ },
  {
    args: ["demo", "--events", "10", "--duration", "5"],
    names: /'--events' and '--duration' exclude each other/,
  },
  { args: ["demo", "--rate"], names: /option '--rate' needs a value/ },
  { args: ["run"], names: /'fleuve run' needs a job file/ },
  { args: ["run", "examples/word-count.ts", "--paralelism", "2"], names: /unknown option '--paralelism'/ },
  { args: ["run", "no/such/job.ts"], names: /job file 'no\/such\/job.ts' does not exist/ },
  {
    args: ["run", "examples/word-count.ts", "--checkpoint-interval", "100"],
    names: /'--checkpoint-interval' needs '--checkpoint-dir D'/,
  },
  {
    args: ["run", "examples/word-count.ts", "--from-savepoint", "no/such/savepoint"],
    names: /'--from-savepoint': 'no\/such\/savepoint' does not exist/,
  },
  {
    args: ["run", "examples/page-views.ts", "--group", "g1"],
    names: /'--group' needs '--checkpoint-dir D', a directory shared by every process of the group/,
  },
  {
    args: ["run", "examples/page-views.ts", "--bootstrap", "127.0.0.1:9092"],
    names: /'--bootstrap' needs '--group ID'/,
  },
  {
    args: ["run", "examples/page-views.ts", "--materialize-every", "5"],
    names: /'--materialize-every' needs '--group ID'/,
  },
  {
    args: [
      "run",
      "examples/page-views.ts",
      "--group",
      "g",
      "--checkpoint-dir",
      "d",
      "--materialize-every",
      "0",
    ],
    names: /--materialize-every/,
  },
  {
    args: [
      "run",
      "examples/page-views.ts",
      "--group",
      "g",
      "--checkpoint-dir",
      "d",
      "--materialize-every",
      "5",
      "--no-changelog",
    ],
    names: /'--materialize-every' and '--no-changelog' exclude each other/,
  },
  // Options a plain script (not a defineJob module) does not take: refused before its pipeline runs.
  ...(
    [
      ["--group", "g", "--checkpoint-dir", "d"],
      ["--parallelism", "2"],
      ["--threads", "2"],
      ["--checkpoint-dir", "d"],
      ["--checkpoint-dir", "d", "--checkpoint-interval", "100"],
      ["--checkpoint-dir", "d", "--resume"],
      ["--from-savepoint", "examples"],
      ["--control-dir", "d"],
      ["--bootstrap", "127.0.0.1:9092"],
      ["--materialize-every", "5"],
      ["--no-changelog"],
    ] as const
  ).map((opts) => ({
    args: ["run", "examples/odd-squares.ts", ...opts],
    names: new RegExp(
      `option '${opts[0]}' only applies to a job exported with defineJob; job file 'examples/odd-squares.ts' is a script`,
    ),
  })),
  {
    args: ["run", "examples/page-views.ts", "--group", "g", "--checkpoint-dir", "d", "--threads", "2"],
    names: /option '--threads' does not apply with '--group'/,
  },
  {
    args: ["run", "examples/page-views.ts", "--group", "g", "--checkpoint-dir", "d", "--resume"],
    names: /option '--resume' does not apply with '--group'/,
  },
  { args: ["run", "examples/page-views.ts", "--no-changelog"], names: /'--no-changelog' needs '--group ID'/ },
  {
    args: ["run", "examples/page-views.ts", "--kafka-property", "session.timeout.ms=10000"],
    names: /'--kafka-property' needs '--group ID'/,
  },
  {
    args: [
      "run",
      "examples/page-views.ts",
      "--group",
      "g",
      "--checkpoint-dir",
      "d",
      "--kafka-property",
      "session.timeout.ms",
    ],
    names: /option '--kafka-property' needs KEY=VALUE, got 'session.timeout.ms'/,
  },
  { args: ["savepoint"], names: /'fleuve savepoint' needs the name of a running job/ },
  { args: ["savepoint", "a", "b"], names: /takes one job name, got also 'b'/ },
  { args: ["jobs", "x"], names: /'fleuve jobs' takes no arguments/ },
  { args: ["registry", "--bootstrap", "127.0.0.1:9092"], names: /'--bootstrap' needs '--kafka'/ },
  {
    args: ["registry", "--kafka", "--dir", "d"],
    names: /'--kafka' keeps schemas in Kafka: it cannot go with '--dir'/,
  },
  {
    args: ["registry", "--memory", "--kafka"],
    names: /'--memory' cannot go with '--follow', '--dir' or '--kafka'/,
  },
  { args: ["demo", "--rate", "0"], names: /'--rate 0' \(as fast as possible\) needs '--events N'/ },
];

for (const c of cases) {
  test(`fleuve ${c.args.join(" ")} -> usage error, exit 2`, async () => {
    const r = await fleuve(...c.args);
    assert.equal(r.code, 2, r.stderr);
    const [first, ...rest] = r.stderr.split("\n");
    assert.match(first!, /^error FLEUVE_CLI_USAGE: /);
    assert.match(first!, c.names);
    assert.match(rest.join("\n"), /Usage: fleuve/);
    // nothing ran: a refused script printed none of its output
    assert.equal(r.stdout, "");
  });
}

test("a script given an option it does not take is refused even when it starts its job later", async () => {
  const r = await fleuve("run", "packages/cli/test/fixtures/late-start-script.ts", "--parallelism", "2");
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^error FLEUVE_CLI_USAGE: option '--parallelism' only applies to a job exported/);
  assert.equal(r.stdout, "");
});

test("fleuve run --help states the defaults that apply in group mode, which are startGroupWorker's", async () => {
  const h = await fleuve("run", "--help");
  assert.equal(h.code, 0);
  assert.match(
    h.stdout,
    new RegExp(`with --group the job's own,\\s+else ${GROUP_DEFAULTS.checkpointIntervalMs}\\b`),
  );
  assert.match(h.stdout, new RegExp(`session\\.timeout\\.ms\\s+\\(${GROUP_DEFAULTS.sessionTimeoutMs} ms\\)`));
  assert.match(h.stdout, new RegExp(`\\(default ${GROUP_DEFAULTS.commitIntervalMs} with the changelog`));
  assert.match(h.stdout, /a plain script that builds and runs its own\s+pipeline is refused/);
  assert.match(h.stdout, new RegExp(`session\\.timeout\\.ms \\(default ${GROUP_DEFAULTS.sessionTimeoutMs}:`));
  assert.match(
    h.stdout,
    new RegExp(
      `task\\.shutdown\\.graceful\\.timeout\\.ms[^;]*default ${GROUP_DEFAULTS.shutdownTimeoutMs}; 0 leaves`,
    ),
  );
});

test("fleuve run --group: a bad membership property fails before joining, naming the property", async () => {
  for (const [kv, names] of [
    ["session.timeout.ms=6s", /"session\.timeout\.ms" is NaN; expected an integer >= 1/],
    [
      "heartbeat.interval.ms=7000",
      /"heartbeat\.interval\.ms" \(7000\) must be below "session\.timeout\.ms" \(6000\)/,
    ],
    [
      "task.shutdown.graceful.timeout.ms=-1",
      /"task\.shutdown\.graceful\.timeout\.ms" is -1; expected an integer >= 0/,
    ],
    [
      "auto.offset.reset=earliest",
      /"auto\.offset\.reset" is not supported for a scale-out group's membership/,
    ],
  ] as const) {
    const r = await fleuve(
      "run",
      "examples/page-views.ts",
      "--group",
      "g",
      "--checkpoint-dir",
      "d",
      "--bootstrap",
      "127.0.0.1:1",
      "--kafka-property",
      kv,
    );
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /FLEUVE_CONFIG_INVALID/);
    assert.match(r.stderr, names);
  }
});

test("--help and --version", async () => {
  const h = await fleuve("--help");
  assert.equal(h.code, 0);
  assert.match(h.stdout, /^Usage: fleuve <command>/);
  for (const cmd of ["run", "savepoint", "jobs", "demo"]) assert.match(h.stdout, new RegExp(`\\n  ${cmd} `));
  const d = await fleuve("demo", "--help");
  assert.equal(d.code, 0);
  assert.match(d.stdout, /--events N/);
  const v = await fleuve("--version");
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^fleuve \d+\.\d+\.\d+\n$/);
});

test("an unknown option's error lists the options as they are written (-f, not --f) and the command's own usage", async () => {
  // every command whose options parseArgs checks, with the first line of its own usage
  const commands: [string[], RegExp][] = [
    [["run", "examples/word-count.ts"], /^Usage: fleuve run /m],
    [["sql"], /^Usage: fleuve sql /m],
    [["demo"], /^Usage: fleuve demo/m],
    [["savepoint", "j"], /^Usage: fleuve savepoint/m],
    [["jobs"], /^Usage: fleuve jobs/m],
    [["kafka", "topics", "list"], /^Usage: fleuve kafka/m],
    [["connectors"], /^Usage: fleuve connectors/m],
    [["registry"], /^Usage: fleuve registry/m],
  ];
  for (const [words, usage] of commands) {
    const r = await fleuve(...words, "--bogus");
    assert.equal(r.code, 2, r.stderr);
    const first = r.stderr.split("\n")[0]!;
    assert.match(
      first,
      new RegExp(`^error FLEUVE_CLI_USAGE: unknown option '--bogus' for 'fleuve ${words[0]}' \\(options: -`),
    );
    // one dash for a one-letter option, two for the others
    const listed = /\(options: (.*)\)$/.exec(first)![1]!.split(", ");
    for (const o of listed) assert.match(o, /^(-[a-z]|--[a-z][a-z-]+)$/, `${words[0]}: ${o}`);
    assert.match(r.stderr, usage, `${words[0]} prints its own usage`);
  }
  const sql = await fleuve("sql", "--bogus");
  assert.match(sql.stderr, /\(options: -f, --file, --history, /);
  assert.doesNotMatch(sql.stderr, /--f\b/);
  const top = await fleuve("--bogus");
  assert.equal(top.code, 2, top.stderr);
  assert.match(
    top.stderr,
    /^error FLEUVE_CLI_USAGE: unknown option '--bogus' for 'fleuve' \(options: -h, --help, -v, --version\)\n/,
  );
  const noValue = await fleuve("sql", "-f");
  assert.equal(noValue.code, 2, noValue.stderr);
  assert.match(noValue.stderr, /^error FLEUVE_CLI_USAGE: option '-f' needs a value\n/);
  assert.match(noValue.stderr, /^Usage: fleuve sql /m);
});

test("fleuve sql -f: a run option's error (checked by 'fleuve run', which runs the job) prints sql's usage", async () => {
  const r = await fleuve("sql", "-f", "packages/cli/test/fixtures/three.sql", "--checkpoint-interval", "100");
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /^error FLEUVE_CLI_USAGE: option '--checkpoint-interval' needs '--checkpoint-dir D'\n/,
  );
  assert.match(r.stderr, /^Usage: fleuve sql /m);
  assert.doesNotMatch(r.stderr, /Usage: fleuve run/);
});
