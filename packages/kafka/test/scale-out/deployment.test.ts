/**
 * A group's internal topics and checkpoints fit one parallelism (deployment.ts), against the real
 * broker. Started again at another parallelism, a group used to crash on its units topic
 * (`Cannot read properties of undefined (reading 'name')`, its partitions counted the old units);
 * now it is refused with a message that says how to rescale, and a group started from a savepoint
 * at another parallelism runs in the same group and checkpoint directory, from the savepoint only
 * (exact totals), and restarts without the savepoint into the same deployment. A deployment from a
 * savepoint started while the previous one still runs is refused (both would write the output).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  type AggregateFunction,
  defineJob,
  FleuveError,
  type ProcessWindowFunction,
  runJob,
  type TimeWindow,
  TumblingEventTimeWindows,
  WatermarkStrategy,
} from "@fleuve/core";
import { KafkaClient, startGroupWorker } from "../../src/index.js";
import { deploymentRecordDir } from "../../src/scale-out/deployment.js";
import { BOOTSTRAP, brokerTestOptions, uniqueTopic } from "../broker.js";

const options = await brokerTestOptions();
const JOB = "rescaled";
const N = 6000;
const KEYS = 5;

interface Totals {
  count: number;
  sum: number;
}

const totals: AggregateFunction<number, Totals, Totals> = {
  createAccumulator: () => ({ count: 0, sum: 0 }),
  add: (n, acc) => ({ count: acc.count + 1, sum: acc.sum + n }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ count: a.count + b.count, sum: a.sum + b.sum }),
};

const label: ProcessWindowFunction<Totals, string, number, TimeWindow> = {
  process(key, _ctx, [t], out) {
    out.collect(`${key}: ${t!.count} numbers, sum ${t!.sum}`);
  },
};

function oracle(): string[] {
  const t = new Map<number, Totals>();
  for (let n = 0; n < N; n++) {
    const acc = t.get(n % KEYS) ?? { count: 0, sum: 0 };
    t.set(n % KEYS, { count: acc.count + 1, sum: acc.sum + n });
  }
  return [...t].map(([k, v]) => `${k}: ${v.count} numbers, sum ${v.sum}`).sort();
}

let seen = 0;
/** The job over `count` numbers (its structure, and so its deployment, does not depend on it). */
const jobOf = (count: number) =>
  defineJob({
    name: JOB,
    build(env) {
      return env
        .fromGenerator((i) => i, {
          count,
          ratePerSecond: 1000,
          strategy: WatermarkStrategy.forMonotonousTimestamps<number>().withTimestampAssigner((n) => n),
        })
        .setParallelism(2)
        .uid("numbers")
        .map((n) => {
          seen++;
          return n;
        })
        .uid("seen")
        .keyBy((n) => n % KEYS)
        .window(TumblingEventTimeWindows.of<number>(1_000_000))
        .aggregate(totals, label)
        .uid("totals");
    },
  });
const job = jobOf(N);
/**
 * The same job with ten times the input, for a deployment that is only watched while it runs: on
 * a loaded machine its units may take seconds each to start, and a source unit whose input ended
 * stops before the last unit starts.
 */
const longJob = jobOf(10 * N);

async function until(what: string, cond: () => boolean, signal: AbortSignal): Promise<void> {
  while (!cond()) {
    if (signal.aborted) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The error startGroupWorker rejects with. When it starts instead, the test fails, with how the
 * worker then failed if it did within 30 s (before the refusal: reading 'name' of undefined).
 */
async function refusal(p: ReturnType<typeof startGroupWorker>): Promise<FleuveError> {
  const r = await p.then(
    async (w) => {
      const how = await Promise.race([
        w.failed.catch((e: unknown) => `failed: ${(e as Error).message}`),
        new Promise((r) => setTimeout(() => r("no failure within 30 s"), 30_000)),
      ]);
      await w.stop();
      return `started instead (${String(how)})`;
    },
    (e: unknown) => e,
  );
  assert.ok(r instanceof FleuveError, `refused with a FleuveError, got ${String(r)}`);
  return r;
}

/**
 * Runs `body` with a new group name, a new folder and its checkpoint directory, and a Kafka
 * client; deletes the group's topics and the folder after it.
 */
async function inFreshGroup(
  prefix: string,
  body: (ctx: { group: string; dir: string; checkpointDir: string; admin: KafkaClient }) => Promise<void>,
): Promise<void> {
  const group = uniqueTopic(prefix);
  const dir = mkdtempSync(join(tmpdir(), `fleuve-${prefix}-`));
  const admin = await KafkaClient.connect({ "bootstrap.servers": BOOTSTRAP });
  try {
    await body({ group, dir, checkpointDir: join(dir, "checkpoints"), admin });
  } finally {
    await admin
      .deleteTopics((await admin.listTopics()).filter((n) => n.startsWith(`fleuve-${group}-`)))
      .catch(() => {});
    await admin.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A savepoint of the job taken in one process once it has seen 1000 numbers, before its end. */
async function savepointMidStream(dir: string, signal: AbortSignal): Promise<string> {
  seen = 0;
  const client = await runJob(job, { parallelism: 1 });
  await until("the one-process run to see 1000 numbers", () => seen >= 1000, signal);
  const savepoint = await client.stopWithSavepoint(join(dir, "savepoints"));
  assert.deepEqual((await client.result).collected, [], "stopped before the end of input");
  return savepoint;
}

test("a group restarted at another parallelism is refused (it crashed); from a savepoint it rescales in the same group", {
  ...options,
  timeout: 600_000,
}, async (t) => {
  await inFreshGroup("deploy", async ({ group, dir, checkpointDir }) => {
    const base = { job, group, bootstrap: BOOTSTRAP, checkpointDir, checkpointIntervalMs: 300 };
    const logs: string[] = [];
    const log = (line: string) => logs.push(line);
    // 1. The group at parallelism 3 (2 source units, 3 maps, 3 window units) until it runs.
    const first = await startGroupWorker({ ...base, job: longJob, parallelism: 3, log });
    await until("the first deployment to run its units", () => first.running().length === 8, t.signal);
    // What `fleuve run --group` serves on /metrics: the operator subtasks of the units run here.
    const metrics = first.snapshot();
    assert.equal(metrics.process?.unitsOwned, 8);
    assert.equal(metrics.process?.unitsTotal, 8);
    assert.ok(metrics.process!.unitStarts! >= 8, `unit starts ${metrics.process!.unitStarts}`);
    // its joining the group was an assignment (fleuve_process_rebalances_total of deploy/'s dashboards)
    assert.ok(metrics.process!.rebalances! >= 1, `rebalances ${metrics.process!.rebalances}`);
    const subtasksOf = (uid: string) =>
      metrics.operators
        .filter((o) => o.operatorId === uid)
        .map((o) => o.subtaskIndex)
        .sort();
    assert.deepEqual(subtasksOf("numbers"), [0, 1]);
    assert.deepEqual(subtasksOf("seen"), [0, 1, 2]);
    assert.deepEqual(subtasksOf("totals"), [0, 1, 2]);
    await first.stop();

    // 2. Started again at parallelism 2: refused, saying how to rescale (it crashed on the units
    // topic's partitions 4-7, which name no unit at parallelism 2).
    const refused = await refusal(startGroupWorker({ ...base, parallelism: 2, log }));
    assert.equal(refused.code, "FLEUVE_CONFIG_INVALID");
    assert.ok(refused.permanent, "restarting cannot help");
    assert.match(
      refused.message,
      /runs job "rescaled" at another parallelism \(numbers x2, seen x3, totals x3, since /,
    );
    assert.match(refused.message, /than this process \(numbers x2, totals x2\)/);
    assert.match(refused.message, /fleuve savepoint rescaled --stop.*--from-savepoint/);

    // A group that ran before deployments were recorded: its topics have the old partitions.
    rmSync(deploymentRecordDir(checkpointDir, JOB), { recursive: true, force: true });
    const legacy = await refusal(startGroupWorker({ ...base, parallelism: 2, log }));
    assert.match(
      legacy.message,
      /its internal topic fleuve-\S+-rescaled-\S+ has [38] partitions, this process needs [24]/,
    );

    // 3. A savepoint of the job (here taken in one process), mid-stream.
    const savepoint = await savepointMidStream(dir, t.signal);

    // 4. The same group and checkpoint directory from it at parallelism 2 (2 source units with
    // their maps, 2 windows): a deployment of its own
    // (nothing of the parallelism-2 run feeds it), exact totals.
    const out: string[] = [];
    const starts: string[] = [];
    const failures: unknown[] = [];
    const rescaled = await startGroupWorker({
      ...base,
      parallelism: 2,
      restoreFrom: savepoint,
      collect: (line) => out.push(line as string),
      log: (line) => {
        log(line);
        if (/: starting /.test(line)) starts.push(line);
        if (/failed/.test(line)) failures.push(line);
      },
    });
    rescaled.failed.catch((e: unknown) => failures.push(e));
    try {
      await until("the totals", () => out.length >= KEYS || failures.length > 0, t.signal);
      assert.deepEqual(failures, []);
      assert.equal(starts.length, 4, starts.join("\n"));
      for (const line of starts) assert.ok(line.includes(`starting from ${savepoint}`), line);
      assert.ok(
        starts.every((l) => /\/rescaled\.from-[0-9a-f]{10}\//.test(l)),
        `checkpoints in the new deployment's folder:\n${starts.join("\n")}`,
      );
      assert.deepEqual([...out].sort(), oracle(), "each total once, exactly");
      assert.ok(logs.some((l) => /new deployment rescaled\.from-[0-9a-f]{10} from savepoint/.test(l)));
    } finally {
      await rescaled.stop();
    }

    // 5. Started again without the savepoint: the same deployment (its units resume in its
    // folder, not fresh); at parallelism 3 it is refused.
    const again: string[] = [];
    const restarted = await startGroupWorker({
      ...base,
      parallelism: 2,
      log: (line) => {
        if (/: starting /.test(line)) again.push(line);
      },
    });
    try {
      await until("the units to start again", () => again.length >= 4, t.signal);
      assert.ok(
        again.every((l) => /: starting from .*\/rescaled\.from-[0-9a-f]{10}\//.test(l)),
        `the units resumed in the deployment started from the savepoint:\n${again.join("\n")}`,
      );
    } finally {
      await restarted.stop();
    }
    const back = await refusal(startGroupWorker({ ...base, parallelism: 3, log }));
    assert.match(back.message, /at another parallelism \(.*from savepoint .*\)/);
  });
});

// as in exchange-purge.test.ts: a stopped worker sometimes leaves broker sockets open
after(() => {
  setTimeout(() => process.exit(), 10_000).unref();
});

test("a deployment from a savepoint is refused while the previous deployment still runs, naming it and how to stop it", {
  ...options,
  timeout: 600_000,
}, async (t) => {
  await inFreshGroup("overlap", async ({ group, dir, checkpointDir, admin }) => {
    const base = {
      job,
      group,
      bootstrap: BOOTSTRAP,
      checkpointDir,
      checkpointIntervalMs: 300,
      parallelism: 2,
    };
    // A savepoint of the job (taken in one process), then the base deployment running in the group.
    const savepoint = await savepointMidStream(dir, t.signal);
    const old = await startGroupWorker({ ...base, log: () => {} });
    let stopped = false;
    try {
      await until("the running deployment's units", () => old.running().length === 4, t.signal);
      const record = await readFile(join(deploymentRecordDir(checkpointDir, JOB), "_metadata"), "utf8");

      // The new deployment beside it: refused before it records or creates anything.
      const refused = await refusal(startGroupWorker({ ...base, restoreFrom: savepoint, log: () => {} }));
      assert.equal(refused.code, "FLEUVE_CONFIG_INVALID");
      assert.ok(refused.permanent, "restarting cannot help");
      assert.match(
        refused.message,
        new RegExp(
          `group "${group}": deployment rescaled of job "rescaled" still runs \\(1 process: fleuve-${group}-member-\\S+ \\(\\S+\\)\\); this process would start deployment rescaled\\.from-[0-9a-f]{10} beside it`,
        ),
      );
      assert.match(refused.message, /'fleuve savepoint rescaled --stop' \(where one of its processes runs\)/);
      assert.equal(
        await readFile(join(deploymentRecordDir(checkpointDir, JOB), "_metadata"), "utf8"),
        record,
        "the running deployment stays the recorded one",
      );
      assert.deepEqual(
        (await admin.listTopics()).filter((n) => n.startsWith(`fleuve-${group}-rescaled.from-`)),
        [],
        "no topic of the refused deployment",
      );

      // Once the old deployment stopped, the same command starts the new one.
      await old.stop();
      stopped = true;
      const oldTopics = (await admin.listTopics()).filter((n) => n.startsWith(`fleuve-${group}-rescaled-`));
      assert.ok(oldTopics.length >= 4, `the old deployment's topics: ${oldTopics.join(", ")}`);
      const logs: string[] = [];
      const next = await startGroupWorker({ ...base, restoreFrom: savepoint, log: (l) => logs.push(l) });
      try {
        await until("the new deployment's units", () => next.running().length === 4, t.signal);
        // Each of its units checkpointed and no process of the old one runs: the old topics go.
        const deleted =
          /^group \S+: deleted the internal topics of deployment rescaled, which no process runs any more \(deployment rescaled\.from-[0-9a-f]{10} has a checkpoint of every unit\): (.*)$/;
        await until(
          "the old deployment's topics to be deleted",
          () => logs.some((l) => deleted.test(l)),
          t.signal,
        );
        const line = logs.find((l) => deleted.test(l))!;
        assert.deepEqual(
          deleted.exec(line)![1]!.split(", ").sort(),
          [...oldTopics].sort(),
          "all of them, named",
        );
        // deleted only once every unit of the new deployment had a checkpoint
        const newKey = /deployment (rescaled\.from-[0-9a-f]{10}) has/.exec(line)![1]!;
        for (const unit of next.units) {
          const unitDir = join(checkpointDir, newKey, unit);
          const chks = readdirSync(unitDir).flatMap((e) => readdirSync(join(unitDir, e)));
          assert.ok(
            chks.some((c) => c.startsWith("chk-")),
            `unit ${unit} has a checkpoint`,
          );
        }
        let left = oldTopics;
        while (left.length > 0) {
          if (t.signal.aborted) throw new Error(`still there: ${left.join(", ")}`);
          const now = new Set(await admin.listTopics());
          left = oldTopics.filter((n) => now.has(n));
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.ok(
          (await admin.listTopics()).some((n) => n.startsWith(`fleuve-${group}-rescaled.from-`)),
          "the new deployment's topics stay",
        );
        assert.equal(logs.filter((l) => deleted.test(l)).length, 1, "logged once");
      } finally {
        await next.stop();
      }
    } finally {
      if (!stopped) await old.stop();
    }
  });
});
