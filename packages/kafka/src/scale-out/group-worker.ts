/**
 * A worker process of a scale-out job (`fleuve run job.ts --group <id>`), like a Kafka Streams
 * instance: every process started with the same group shares the job.
 *
 * - The job is cut into units (one subtask of one task; see `@fleuve/core/scale-out`); edges between
 *   tasks become Kafka exchange topics (`fleuve-<group>-<edge>`), so any process can run any unit.
 * - Membership is a Kafka consumer group (`fleuve-<group>`) over a topic with one partition per
 *   unit (`fleuve-<group>-units`): the partitions a process is assigned are the units it runs. When
 *   a process joins, leaves or dies (session timeout), the group rebalances and units move (see
 *   membership.ts).
 * - Each unit checkpoints on its own into the shared checkpoint directory
 *   (`<dir>/<job>/<unit>/epoch-<n>/`); its sinks and exchanges commit Kafka transactions with
 *   its checkpoints (exactly-once), under transactional ids that depend on the unit only, so a new
 *   owner fences the previous one. A unit that starts takes a new epoch and restores the newest
 *   checkpoint of the newest earlier epoch that has one, or that epoch's own starting point: a
 *   previous owner still writing into its old epoch cannot change what later owners restore, nor
 *   commit what they replay: it stops the unit at its next checkpoint (see core's unit-epochs.ts).
 *   A unit's first epoch may start from a checkpoint or savepoint of the whole job
 *   (`restoreFrom`), taking its subtask's share of it.
 * - Keyed state (heap, the default) keeps a changelog in `fleuve-<group>-<job>-changelog`, one
 *   partition per unit: checkpoints write the entries changed since the previous one, plus a full
 *   copy every checkpoint interval (by time), and a new owner restores from the checkpoint and the
 *   changelog. So a unit's checkpoint is light and doubles as its commit, every `commitIntervalMs`
 *   (Kafka Streams' `commit.interval.ms`, 100 ms by default), which bounds each exchange hop's
 *   latency; `deliveryGuarantee: "at-least-once"` exchanges do not wait for commits at all.
 */
import { join } from "node:path";
import {
  ChangelogReleases,
  type CheckpointStorage,
  changelogStateBackend,
  DataStream,
  type EnvironmentOptions,
  FleuveError,
  type JobDefinition,
  type JobPlan,
  type MetricsSnapshot,
  type OperatorMetricsSnapshot,
  resolveCheckpointStorage,
  restartCannotCure,
  StreamExecutionEnvironment,
} from "@fleuve/core";
import {
  checkGlobalCommitters,
  DEFAULT_MAX_HELD,
  epochDir,
  epochsOf,
  type JobUnits,
  jobSavepointLayout,
  operatorUids,
  ownerStorage,
  planUnits,
  pruneEpochs,
  runUnit,
  takeEpoch,
  type Unit,
  type UnitClient,
  UnitSavepoints,
  unitGraph,
} from "@fleuve/core/scale-out";
import { KafkaClient } from "../client.js";
import { CHANGELOG_TOPIC_CONFIG, type KafkaChangelog, kafkaChangelog } from "../kafka-changelog.js";
import { checkNoOtherDeployment, checkTopicPartitions, resolveDeployment } from "./deployment.js";
import {
  EXCHANGE_TOPIC_CONFIG,
  type ExchangeOptions,
  type ExchangePurge,
  exchangeSink,
  exchangeSource,
} from "./exchange.js";
import { GROUP_DEFAULTS } from "./group-defaults.js";
import { describeGroupMembers, type GroupMemberInfo } from "./group-members.js";
import { GroupSavepoints } from "./group-savepoints.js";
import { Membership, type MembershipTimings, resolveTimings } from "./membership.js";
import { ProcessJobFigures } from "./process-metrics.js";
import { deleteRetiredDeployments } from "./retired-deployments.js";

/**
 * Options of {@link startGroupWorker}; the membership's timings (`sessionTimeoutMs`,
 * `heartbeatIntervalMs`, `rebalanceTimeoutMs`, `initialDelayMs`) and the bound of a clean stop
 * (`shutdownTimeoutMs`) are described in membership.ts.
 */
export interface GroupWorkerOptions extends MembershipTimings {
  readonly job: JobDefinition;
  /** The group: processes with the same group share the job. */
  readonly group: string;
  /** `bootstrap.servers` of the cluster that holds the exchanges and the membership. */
  readonly bootstrap: string;
  /** Checkpoint directory shared by every process of the group (a path in `checkpointStorage`). */
  readonly checkpointDir: string;
  /** Where checkpoints are kept: the local file system (default), or e.g. an object store. */
  readonly checkpointStorage?: CheckpointStorage;
  /**
   * How often each unit writes its full state (keyed state materialized into the checkpoint
   * directory): default the job's, else 1000 ms. Without the changelog (or with the job's own
   * state backend) every commit writes the full state, so it is also the default commit interval.
   */
  readonly checkpointIntervalMs?: number;
  /**
   * As Kafka Streams' `commit.interval.ms`: how often each unit commits, i.e. takes a light
   * checkpoint (source and exchange positions, pending transactions, keyed state as the changelog
   * deltas already in Kafka) and commits its sinks' and exchanges' transactions. Under exactly-once
   * it bounds the latency of each exchange hop and sink. Default 100 ms under exactly-once when
   * keyed state uses the changelog, else the checkpoint interval. Integer >= 1.
   */
  readonly commitIntervalMs?: number;
  /**
   * Delivery through the exchanges between units (default "exactly-once"): "at-least-once" sends
   * records as they come (idempotent producer, read_uncommitted): latency of a Kafka round trip,
   * duplicates after a failure, never a loss. The job's own sinks keep their own guarantee.
   */
  readonly deliveryGuarantee?: "exactly-once" | "at-least-once";
  /**
   * Most exchange messages a unit's exchange input holds in memory while it aligns a savepoint's
   * barriers (default 10,000, core's `DEFAULT_MAX_HELD`): a sender whose barrier arrived has its
   * later messages held until every sender's barrier arrived. Past the bound the input drops what
   * it held and reads the partition again from the first held message once aligned, so memory
   * stays bounded by about `maxHeld` messages per exchange input; a lower value uses less memory
   * during savepoints with slow senders, at the price of reading again. Integer >= 1.
   */
  readonly maxHeld?: number;
  /**
   * A checkpoint or savepoint of the whole job (taken in one process, on worker threads or with
   * `fleuve savepoint`) that each unit starts from, with its subtask's share, while it has no
   * checkpoint epochs of its own yet; afterwards units restore from their own checkpoints. Give
   * every process of the group the same one: they run a deployment of their own, at any
   * parallelism, in the same group and checkpoint directory (see deployment.ts).
   */
  readonly restoreFrom?: string;
  /** Overrides the job's parallelism (must be the same in every process). */
  readonly parallelism?: number;
  readonly args?: readonly string[];
  /** Extra environment options (override the job's). */
  readonly options?: EnvironmentOptions;
  /**
   * Keyed state changelog (default true when the job keeps the default heap state backend):
   * checkpoints write only what changed, into a Kafka topic, plus a full copy every
   * `materializeEvery` checkpoints (default 10). `false` writes the full state at each checkpoint.
   */
  readonly changelog?: boolean | { readonly materializeEvery?: number };
  readonly log?: (line: string) => void;
  /**
   * Gets the records of the stream the job's `build` returns, in the process whose unit emits
   * them (as `runJob` collects them into its result). Default: they are dropped.
   */
  readonly collect?: (value: unknown) => void;
}

/** Options of {@link GroupWorker.savepoint}. */
export interface GroupSavepointOptions {
  /** Stop the whole group once the savepoint is written (every process's `finished` resolves). */
  readonly stop?: boolean;
  /** Give the savepoint up after this long (default: the job's checkpoint timeout, 10 min). */
  readonly timeoutMs?: number;
}

/** Options of {@link GroupWorker.stop}. */
export interface GroupStopOptions {
  /**
   * Hand this process's units over (default true): each stops with a final checkpoint, all in
   * parallel and within `shutdownTimeoutMs`, before the process leaves the group, so their next
   * owners restore exactly that and replay nothing. `false` leaves at once: they replay from
   * their last periodic checkpoints.
   */
  readonly handOver?: boolean;
}

/** A running worker. */
export interface GroupWorker {
  /** Units this process runs now, by name. */
  running(): string[];
  /** Every unit of the job, by name. */
  readonly units: readonly string[];
  /**
   * Every unit with its subtask and the uids of the operators it runs (its task's chain, head
   * first): where a unit sits on the job's graph ({@link plan}).
   */
  readonly unitTasks: readonly { unit: string; subtask: number; operators: readonly string[] }[];
  /** The job's graph, as one process would run it (operators and the edges between them). */
  plan(): JobPlan;
  /**
   * A clean stop: stops this process's units with a final checkpoint each (see
   * {@link GroupStopOptions.handOver}), then leaves the group (LeaveGroup: the other processes
   * rebalance at once and restore those checkpoints). Calling it again returns the same promise.
   */
  stop(opts?: GroupStopOptions): Promise<void>;
  /** Rejects if the worker cannot go on (e.g. a unit's configuration is invalid). */
  readonly failed: Promise<never>;
  /**
   * The metrics of this process: every operator subtask of the units running here, job figures
   * whose counters (restarts, checkpoints completed and failed) are this process's: every unit run
   * it had counts, also those that moved away since, so they never go down (see
   * process-metrics.ts); the operators' counters likewise go on from the earlier runs of the same
   * subtasks in this process (a unit that came back), and process figures: `unitsOwned`, `unitsTotal`,
   * `unitStarts` and `unitStops` (units taken and given up here, e.g. on rebalances), and
   * `rebalances` (assignments this process received, its first join included).
   */
  snapshot(): MetricsSnapshot;
  /**
   * Every process of the group now, on any machine, with the units assigned to it, as Kafka's
   * consumer group description tells them (see group-members.ts).
   */
  members(): Promise<GroupMemberInfo[]>;
  /**
   * Takes a savepoint of the whole group job (every unit, in whichever process) into the folder
   * `dir` (a new one, in storage every process shares), in the layout of one-process savepoints,
   * and resolves with its path. With `stop`, the whole group stops once it is written
   * ({@link finished} resolves in every process). Rejects with FLEUVE_CHECKPOINT_FAILED, leaving no
   * `_metadata`, when it cannot complete (a unit moved, restarted or failed meanwhile; a timeout).
   */
  savepoint(dir: string, opts?: GroupSavepointOptions): Promise<string>;
  /**
   * Resolves when the whole group was stopped by a stop-with-savepoint taken from any of its
   * processes (this worker's units are stopped and it has left the group by then).
   */
  readonly finished: Promise<void>;
}

/** Starts a worker: joins the group, then runs the units assigned to it until stopped. */
export async function startGroupWorker(opts: GroupWorkerOptions): Promise<GroupWorker> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`[fleuve] ${l}\n`));
  const startedAt = Date.now();
  const def = opts.job;
  if (!/^[A-Za-z0-9._-]+$/.test(opts.group)) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `group "${opts.group}": use letters, digits, '.', '_' and '-' only (it names Kafka topics)`,
      { details: { option: "group" } },
    );
  }
  const prefix = `fleuve-${opts.group}`;
  const timings = resolveTimings(opts); // a bad value fails before any topic is created
  const timing = commitTiming(opts);
  const build = async () => {
    const base = { ...def.options, ...opts.options };
    const options: EnvironmentOptions = {
      ...base,
      checkpointing: {
        ...base.checkpointing,
        dir: opts.checkpointDir,
        // a unit's checkpoint is its commit; full state goes on its own schedule (see commitTiming)
        intervalMs: timing.commitIntervalMs,
      },
      resumeFromLatestCheckpoint: false,
      log,
    };
    delete options.restoreFrom;
    if (opts.parallelism !== undefined) options.parallelism = opts.parallelism;
    const env = StreamExecutionEnvironment.create(options);
    const out = await def.build(env, opts.args ?? []);
    // A returned stream gets the "Collect" sink runJob gives it (in one thread and on threads), so
    // the graph and its operator uids are theirs and their savepoints restore here.
    if (out instanceof DataStream) out.forEach(opts.collect ?? (() => {}), "Collect");
    const graph = env.getStreamGraph();
    return {
      graph,
      config: env.config,
      units: planUnits(graph, env.config),
    };
  };
  const first = await build();
  const plan: JobUnits = first.units;
  // A sink's global committer needs its writers' checkpoints to complete before it commits.
  checkGlobalCommitters(first.graph, plan, timing.deliveryGuarantee === "exactly-once");
  const jobPlan = first.graph.toJSON(first.config.parallelism);
  const jobOperators = operatorUids(first.graph);
  const storage = resolveCheckpointStorage(opts.checkpointStorage, "checkpointStorage");
  // Internal topics and checkpoint folders fit one parallelism: see deployment.ts.
  const deployment = await resolveDeployment({
    storage,
    checkpointDir: opts.checkpointDir,
    job: def.name,
    group: opts.group,
    plan,
    ...(opts.restoreFrom === undefined ? {} : { restoreFrom: opts.restoreFrom }),
    log,
    // a deployment from a savepoint never runs beside another one of the job (see deployment.ts)
    beforeStart: (jobKey) =>
      checkNoOtherDeployment({
        bootstrap: opts.bootstrap,
        groupId: prefix,
        group: opts.group,
        job: def.name,
        jobKey,
      }),
  });
  const jobKey = deployment.jobKey;
  const topicOf = (x: { name: string }) => `${prefix}-${jobKey}-${x.name}`.slice(0, 249);
  const unitsTopic = `${prefix}-${jobKey}-units`.slice(0, 249);
  const changelogTopic = `${prefix}-${jobKey}-changelog`.slice(0, 249);
  const controlTopic = `${prefix}-${jobKey}-control`.slice(0, 249);
  const useChangelog = timing.changelog;
  const materializeEvery = typeof opts.changelog === "object" ? opts.changelog.materializeEvery : undefined;
  const exchange: ExchangeOptions = {
    bootstrap: opts.bootstrap,
    topicOf,
    transactionalIdPrefix: `${prefix}-${def.name}`,
    maxParallelism: first.config.maxParallelism,
    deliveryGuarantee: timing.deliveryGuarantee,
    ...(opts.maxHeld === undefined ? {} : { maxHeld: opts.maxHeld }),
    log,
  };
  log(
    `group ${opts.group}: ${timing.deliveryGuarantee} exchanges, commits every ${timing.commitIntervalMs} ms, full state ${useChangelog && materializeEvery === undefined ? `every ${timing.checkpointIntervalMs} ms` : materializeEvery === undefined ? "at every commit" : `every ${materializeEvery} commits`}, savepoint alignment holds at most ${opts.maxHeld ?? DEFAULT_MAX_HELD} messages per exchange input`,
  );

  // Topics: exchanges (one partition per receiver) and the membership topic (one per unit).
  const admin = await KafkaClient.connect({ "bootstrap.servers": opts.bootstrap });
  try {
    const topics = [
      // internal topics never lose unread data to time retention (see EXCHANGE_TOPIC_CONFIG)
      ...plan.exchanges.map((x) => ({
        name: topicOf(x),
        partitions: x.receivers,
        config: EXCHANGE_TOPIC_CONFIG,
      })),
      { name: unitsTopic, partitions: plan.units.length, config: EXCHANGE_TOPIC_CONFIG },
      { name: controlTopic, partitions: 1, config: EXCHANGE_TOPIC_CONFIG },
      ...(useChangelog
        ? [{ name: changelogTopic, partitions: plan.units.length, config: CHANGELOG_TOPIC_CONFIG }]
        : []),
    ];
    await admin.createTopics(topics, { ifNotExists: true });
    await checkTopicPartitions(admin, topics, opts.group, def.name);
  } finally {
    await admin.close();
  }

  /** Units running here; `epoch` is the folder of the unit's epoch, `epochNumber` its number. */
  const running = new Map<
    number,
    {
      client: UnitClient;
      stopped: boolean;
      unit: Unit;
      epoch: string;
      epochNumber: number;
      savepoints: UnitSavepoints;
      /** The stop-with-savepoint whose part this unit took (its sources stopped at the barrier). */
      stoppedBy?: string;
      /** Set once the unit is being stopped here: a second stop waits for the first. */
      stopping?: Promise<number | undefined>;
      /** Set once the epochs older than this run's are deleted (see pruneAllEpochs). */
      epochsPruned?: boolean;
    }
  >();
  const starting = new Set<number>();
  /** Units whose input ended here (a bounded job): they take no part of savepoints. */
  const finishedUnits = new Set<number>();
  let failWorker!: (e: unknown) => void;
  const failed = new Promise<never>((_, reject) => {
    failWorker = reject;
  });
  failed.catch(() => {});
  let stopping = false;

  const unitDir = (u: Unit) => join(opts.checkpointDir, jobKey, u.name);

  // Savepoints of the whole group: the control topic (see group-savepoints.ts).
  const controlClient = await KafkaClient.connect({ "bootstrap.servers": opts.bootstrap });
  const control = new GroupSavepoints({
    client: controlClient,
    topic: controlTopic,
    jobName: def.name,
    units: plan.units.map((u) => u.name),
    layout: jobSavepointLayout(first.graph, first.config),
    maxParallelism: first.config.maxParallelism,
    storage,
    log,
    requested(barrier) {
      for (const r of running.values()) {
        if (!r.savepoints.takesPartWhenAsked || r.stopped) continue;
        if (barrier.stop) r.stoppedBy = barrier.id;
        r.savepoints.take(barrier);
      }
      const done = [...finishedUnits].filter((i) => membership.isAssigned(i) && !running.has(i));
      control.unitsFinished(
        barrier.id,
        done.map((i) => plan.units[i]!.name),
      );
    },
    ended(barrier, completed) {
      if (completed || !barrier.stop) return;
      // A stop-with-savepoint that failed: the sources it stopped read on, from its checkpoint.
      for (const [index, r] of running) {
        if (r.stoppedBy !== barrier.id) continue;
        void stopUnit(index, false).then(() => {
          if (membership.isAssigned(index) && !stopping) void startUnit(index).catch(failWorker);
        });
      }
    },
  });
  /**
   * A unit that stops, restarts or fails here while a savepoint runs: that savepoint cannot
   * complete. The group is changing, so the process that asked for it tries again.
   */
  const abortSavepoints = (why: string) => {
    for (const b of control.inProgress) void control.abort(b.id, why, true);
  };

  /**
   * Deletes the epochs of the running units that no restore can reach any more: once per run of a
   * unit (after its first completed checkpoint), not every 5 s (see pruneEpochs).
   */
  const pruneAllEpochs = async () => {
    for (const r of [...running.values()]) {
      if (r.epochsPruned) continue;
      if ((await pruneEpochs(storage, unitDir(r.unit), r.epochNumber)) !== undefined) r.epochsPruned = true;
    }
  };
  /**
   * The internal topics of the job's earlier deployments, deleted once this one runs on its own
   * (see retired-deployments.ts), by the process that runs its first unit; until then, retried.
   */
  let retiredDone = false;
  let retiring = false;
  const deleteRetired = async () => {
    if (retiredDone || retiring || stopping || !running.has(0)) return;
    retiring = true;
    try {
      retiredDone = await deleteRetiredDeployments({
        storage,
        checkpointDir: opts.checkpointDir,
        job: def.name,
        group: opts.group,
        groupId: prefix,
        bootstrap: opts.bootstrap,
        deploymentId: deployment.id,
        unitDirs: plan.units.map(unitDir),
        log,
      });
    } finally {
      retiring = false;
    }
  };
  const pruner = setInterval(() => {
    pruneAllEpochs().catch((e: unknown) =>
      log(`could not delete old checkpoint epochs: ${(e as Error).message}`),
    );
    deleteRetired().catch((e: unknown) =>
      log(`could not delete the internal topics of earlier deployments: ${(e as Error).message}`),
    );
  }, 5000);
  pruner.unref();

  /**
   * Purging consumed exchange records (DeleteRecords), off the hot path: receivers ask for it as
   * their checkpoints complete (see ExchangePurge), and one loop at a time sends the newest offset
   * asked for each partition. Best effort: a failed delete is logged, and the next checkpoint's
   * asks for more and takes these records with it.
   */
  const purgeWanted = new Map<
    string,
    { topic: string; partition: number; offset: bigint; index: number; epoch: string }
  >();
  /** Per exchange partition: how far it was purged (only forward). */
  const purged = new Map<string, ChangelogReleases>();
  let purging: Promise<void> | undefined;
  let purgeClient: Promise<KafkaClient> | undefined;
  const drainPurges = async () => {
    for (let next = purgeWanted.entries().next(); !next.done && !stopping; ) {
      const [key, w] = next.value;
      purgeWanted.delete(key);
      try {
        // Only the unit's current owner deletes: a newer epoch means another process took the unit
        // over and restores from checkpoints of this one, maybe older than those the reader counted.
        const r = running.get(w.index);
        if (r?.epoch !== w.epoch) continue;
        const newest = (await epochsOf(storage, unitDir(r.unit)))[0];
        if (newest === undefined || epochDir(unitDir(r.unit), newest) !== w.epoch) continue;
        let releases = purged.get(key);
        if (!releases) {
          releases = new ChangelogReleases();
          purged.set(key, releases);
        }
        const upTo = releases.release(r.unit.name, w.offset);
        if (upTo === undefined) continue;
        if (!purgeClient) {
          const c = KafkaClient.connect({ "bootstrap.servers": opts.bootstrap });
          purgeClient = c;
          c.catch(() => {
            if (purgeClient === c) purgeClient = undefined;
          });
        }
        await (await purgeClient).deleteRecords(w.topic, w.partition, upTo);
      } catch (e) {
        log(`could not delete consumed exchange records of ${key}: ${(e as Error).message}`);
      } finally {
        next = purgeWanted.entries().next();
      }
    }
  };
  /** The purge of unit `index` running in epoch folder `epoch`. */
  const purgeOf = (index: number, epoch: string, retained: number): ExchangePurge => ({
    retained,
    release(topic, partition, offset) {
      purgeWanted.set(`${topic}-${partition}`, { topic, partition, offset, index, epoch });
      kickPurges();
    },
  });
  const kickPurges = () => {
    purging ??= drainPurges().finally(() => {
      purging = undefined;
      // asked for while the loop was ending
      if (purgeWanted.size > 0 && !stopping) kickPurges();
    });
  };

  const startUnit = async (index: number) => {
    if (stopping || running.has(index) || starting.has(index)) return;
    starting.add(index);
    finishedUnits.delete(index);
    try {
      const u = plan.units[index]!;
      const { graph, config, units } = await build();
      // Assigned elsewhere meanwhile (a rebalance while the job was built): taking an epoch now
      // would stop the new owner's run of the unit (see ownerStorage).
      if (stopping || !membership.isAssigned(index)) return;
      const { dir, epoch, restoreFrom } = await takeEpoch(unitDir(u), storage, log, deployment.restoreFrom);
      const purge = purgeOf(index, dir, config.checkpointing!.retained);
      if (control.inProgress.length > 0) abortSavepoints(`unit ${u.name} (re)started meanwhile`);
      const savepoints = new UnitSavepoints(u, {
        inputs: units.exchanges.filter((x) => x.toTask === u.task).length,
        jobOperators,
        isOver: (id) => control.isOver(id),
        written: (b, w) => {
          log(`unit ${u.name}: its part of savepoint ${b.id} is written (checkpoint ${w.checkpointId})`);
          control.partWritten(b.id, u.name, w.files);
        },
        failed: (b, e) =>
          void control.abort(b.id, `unit ${u.name} could not take its part: ${(e as Error).message}`),
      });
      const g = unitGraph(graph, config, units, u.task, {
        input: (x) => exchangeSource(x, { ...exchange, purge, savepoints }),
        output: (x) => exchangeSink(x, { ...exchange, savepoints }),
      });
      log(`unit ${u.name}: starting ${restoreFrom ? `from ${restoreFrom}` : "fresh"} (${dir})`);
      // One changelog partition per unit: whichever process runs the unit writes and reads it.
      let changelog: KafkaChangelog | undefined;
      // A process that lost the unit without knowing yet (e.g. it missed its heartbeats under load)
      // must not complete a checkpoint, whose commit would duplicate what the new owner replays.
      const ownStorage = ownerStorage(storage, unitDir(u), epoch, (by) => {
        log(
          `unit ${u.name}: epoch ${epoch} was taken over by epoch ${by} (another process runs it now); stopping it here`,
        );
        const r = running.get(index);
        if (r?.epoch !== dir || r.stopped) return;
        r.stopped = true;
        running.delete(index);
        r.client.cancel();
        // Still assigned here: the other run is the stale one (e.g. a process that has not seen the
        // latest rebalance yet); take the unit back once this run has stopped.
        void r.client.result
          .catch(() => {})
          .then(() =>
            setTimeout(() => {
              if (membership.isAssigned(index) && !stopping) void startUnit(index).catch(failWorker);
            }, 2000),
          );
      });
      let unitConfig = {
        ...config,
        checkpointing: { ...config.checkpointing!, dir, storage: ownStorage },
        restoreFrom,
      };
      if (useChangelog) {
        changelog = kafkaChangelog({ bootstrap: opts.bootstrap, topic: changelogTopic, partition: index });
        unitConfig = {
          ...unitConfig,
          stateBackend: changelogStateBackend(changelog, {
            retainedCheckpoints: unitConfig.checkpointing.retained,
            // full state by time, however often units commit; or every N commits if asked so
            ...(materializeEvery === undefined
              ? { materializeIntervalMs: timing.checkpointIntervalMs }
              : { materializeEvery }),
          }),
        };
      }
      // The unit's sources (jobMetricsSource) see what this process's /metrics shows: every unit
      // here and the process figures; this unit's own figures while it is not (or no longer) listed.
      const client: UnitClient = runUnit(g, unitConfig, `${def.name}/${u.name}`, u, jobOperators, {
        jobMetrics: (local) =>
          processSnapshot(running.get(index)?.client === client ? [] : local().operators),
      });
      // The run's restarts, checkpoints and operator counts stay in this process's counters once
      // it ends (see process-metrics.ts): its result settles when nothing more can count.
      const run = { unit: u.name, snapshot: () => client.snapshot() };
      figures.started(run);
      savepoints.attach(client);
      const entry: typeof running extends Map<number, infer E> ? E : never = {
        client,
        stopped: false,
        unit: u,
        epoch: dir,
        epochNumber: epoch,
        savepoints,
      };
      running.set(index, entry);
      // Out of `running` and into the process's totals in one step: no snapshot shows the run's
      // operators on top of the base their final counts just became.
      client.result
        .finally(() => {
          if (running.get(index) === entry) running.delete(index);
          figures.ended(run);
        })
        .catch(() => {});
      client.result.finally(() => changelog?.close()).catch(() => {});
      client.result.then(
        () => {
          if (running.get(index) === entry) running.delete(index);
          log(`unit ${u.name}: finished`);
          finishedUnits.add(index);
          // a savepoint in flight that this unit has not taken its part of never gets it
          for (const b of control.inProgress) control.unitsFinished(b.id, [u.name]);
        },
        (e: unknown) => {
          if (running.get(index) === entry) running.delete(index);
          if (entry.stopped || stopping) return;
          const err = e as FleuveError;
          abortSavepoints(`unit ${u.name} failed: ${err.message}`);
          // The job's own list (a missing topic, an incompatible state...): starting again cannot help.
          if (err instanceof FleuveError && restartCannotCure(err)) {
            failWorker(err);
            return;
          }
          // Restarts exhausted (e.g. a long broker outage): start over from its checkpoints later.
          log(`unit ${u.name}: failed (${err.message}); starting it again in 2 s`);
          setTimeout(() => {
            if (membership.isAssigned(index)) void startUnit(index).catch(failWorker);
          }, 2000);
        },
      );
    } finally {
      starting.delete(index);
    }
  };

  /**
   * Stops unit `index` here; resolves with the id of its final checkpoint, if it took one. With
   * `handOver` it moves to another process (revoked in a rebalance, or this process stops
   * cleanly), so it first takes a final checkpoint with its sources stopped at the barrier, which
   * its next owner restores: nothing is replayed. Bounded by `handOver.ms` (the rebalance timeout,
   * or the clean stop's); past it, or if that checkpoint fails, the unit stops anyway and its next
   * owner replays from the last completed checkpoint (the epochs keep that exact). A unit already
   * being stopped is not stopped twice: the second call waits for the first.
   */
  const stopUnit = (
    index: number,
    moved = true,
    handOver?: { readonly ms: number; readonly property: string },
  ): Promise<number | undefined> => {
    const r = running.get(index);
    if (!r) return Promise.resolve(undefined);
    r.stopping ??= (async () => {
      if (moved && !stopping)
        abortSavepoints(`unit ${r.unit.name} moved away from this process (a rebalance)`);
      r.stopped = true;
      let final: number | undefined;
      if (handOver) {
        const at = Date.now();
        let timer: NodeJS.Timeout | undefined;
        try {
          final = await Promise.race([
            r.client.handOver(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`not complete within ${handOver.ms} ms (${handOver.property})`)),
                handOver.ms,
              );
            }),
          ]);
          log(
            `unit ${r.unit.name}: stopped with final checkpoint ${final} (${join(r.epoch, `chk-${final}`)}) in ${Date.now() - at} ms at ${new Date().toISOString()}: its next owner starts from it`,
          );
        } catch (e) {
          log(
            `unit ${r.unit.name}: no final checkpoint (${(e as Error).message}); stopping it anyway: its next owner restores the last completed checkpoint and replays from there`,
          );
        } finally {
          clearTimeout(timer);
        }
      }
      if (running.get(index) === r) running.delete(index);
      r.client.cancel();
      await r.client.result.catch(() => {});
      return final;
    })();
    return r.stopping;
  };

  let unitStarts = 0;
  let unitStops = 0;
  const figures = new ProcessJobFigures();
  // A clean stop's announcement counts for the hand-over it announced: its timeout, then the rebalance.
  const announcementMs = timings.shutdownTimeoutMs + timings.sessionTimeoutMs + 30_000;
  const membership = new Membership({
    bootstrap: opts.bootstrap,
    groupId: prefix,
    unitsTopic,
    unitNames: plan.units.map((u) => u.name),
    group: opts.group,
    taskOf: plan.units.map((u) => u.task),
    ...timings,
    log,
    start: (index) => {
      unitStarts++;
      return startUnit(index);
    },
    stop: async (index) => {
      unitStops++;
      await stopUnit(index, true, { ms: timings.rebalanceTimeoutMs, property: "max.poll.interval.ms" });
    },
    fail: failWorker,
    cleanlyStopped: (proc) => control.cleanlyStopped(proc, announcementMs),
    cleanStopOf: (unit) => control.cleanStopOf(unit, announcementMs),
  });
  /**
   * This process's metrics (see {@link GroupWorker.snapshot}), with `extra` operators besides the
   * running units' (a unit's own while it is not, or no longer, listed as running).
   */
  const processSnapshot = (extra: readonly OperatorMetricsSnapshot[] = []): MetricsSnapshot => ({
    job: figures.job(startedAt),
    // each unit runs one subtask of one task: no operator subtask twice; counters go on from the
    // earlier runs of the same subtasks here (a unit that came back, or started again after it gave up)
    operators: figures.operators([
      ...[...running.values()].flatMap((r) => r.client.snapshot().operators),
      ...extra,
    ]),
    process: {
      unitsOwned: running.size,
      unitsTotal: plan.units.length,
      unitStarts,
      unitStops,
      rebalances: membership.rebalances,
    },
  });
  await control.start();
  await membership.join();

  /**
   * A clean stop: units hand over with final checkpoints (see {@link GroupStopOptions}), then the
   * process leaves the group; units not stopped by then (no hand-over, or past the timeout) stop
   * after it left. Units assigned here meanwhile do not start (`stopping`): the next owners get them.
   */
  const stopWorker = async (handOver: boolean) => {
    stopping = true;
    clearInterval(pruner);
    abortSavepoints("a process of the group is stopping");
    const units = [...running.keys()].sort((a, b) => a - b);
    if (handOver && timings.shutdownTimeoutMs > 0 && units.length > 0) {
      // Before the hand-over, so that the leader has read it by the time this process leaves; at
      // most a second: a control topic without a leader must not eat the shutdown's time.
      const announced = control.announceLeaving(
        membership.process,
        units.map((i) => plan.units[i]!.name),
      );
      await Promise.race([announced, new Promise((r) => setTimeout(r, 1000).unref())]);
      const at = Date.now();
      const names = (xs: number[]) => xs.map((i) => plan.units[i]!.name).join(", ");
      log(
        `group ${opts.group}: clean stop at ${new Date(at).toISOString()}: handing over its ${units.length} units with a final checkpoint each, in parallel, within ${timings.shutdownTimeoutMs} ms (task.shutdown.graceful.timeout.ms): ${names(units)}`,
      );
      const finals = await Promise.all(
        units.map((i) =>
          stopUnit(i, false, {
            ms: timings.shutdownTimeoutMs,
            property: "task.shutdown.graceful.timeout.ms",
          }),
        ),
      );
      const missed = units.filter((_, k) => finals[k] === undefined);
      log(
        `group ${opts.group}: clean stop: ${units.length - missed.length} of ${units.length} units handed over with a final checkpoint in ${Date.now() - at} ms${missed.length > 0 ? `; ${missed.length} did not finish (their next owners restore their last completed checkpoint and replay from there): ${names(missed)}` : ""}`,
      );
    }
    await membership.leave();
    await Promise.all([...running.keys()].map((i) => stopUnit(i, false)));
    await purging;
    await (await purgeClient?.catch(() => undefined))?.close().catch(() => {});
    await control.close();
    await controlClient.close().catch(() => {});
  };
  let stopped: Promise<void> | undefined;
  const stop = (o: GroupStopOptions = {}) => {
    stopped ??= stopWorker(o.handOver !== false);
    return stopped;
  };
  // A stop-with-savepoint, asked of any process: every process stops once it is written (its
  // units' sources stopped at the savepoint's barrier: nothing to hand over).
  const finished = control.stopped.then(async () => {
    log(`group ${opts.group}: stopped with a savepoint; leaving`);
    await stop({ handOver: false });
  });
  finished.catch(() => {});

  return {
    units: plan.units.map((u) => u.name),
    unitTasks: plan.units.map((u) => ({ unit: u.name, subtask: u.subtask, operators: u.operators })),
    plan: () => jobPlan,
    running: () => [...running.keys()].map((i) => plan.units[i]!.name),
    failed,
    snapshot: () => processSnapshot(),
    members: () =>
      describeGroupMembers({
        bootstrap: opts.bootstrap,
        groupId: prefix,
        unitsTopic,
        unitNames: plan.units.map((u) => u.name),
      }),
    finished,
    savepoint: (dir, o) =>
      control.savepoint(dir, o?.stop === true, o?.timeoutMs ?? first.config.checkpointing!.timeoutMs),
    stop,
  };
}

/** When a group's units commit and write their full state, and how exchanges deliver. */
interface CommitTiming {
  readonly commitIntervalMs: number;
  /** How often keyed state is materialized (with the changelog), else every commit. */
  readonly checkpointIntervalMs: number;
  readonly changelog: boolean;
  readonly deliveryGuarantee: "exactly-once" | "at-least-once";
}

/**
 * The commit interval (Kafka Streams' `commit.interval.ms`) and full state interval of a group.
 * A short default commit interval (100 ms) only where a commit is light: keyed state in the
 * changelog, whose deltas are in Kafka before the checkpoint; a job's own backend or
 * `changelog: false` writes all keyed state at each checkpoint, so it commits at the checkpoint
 * interval unless told otherwise. At-least-once exchanges deliver without commits, so they commit
 * at the checkpoint interval too (it only bounds what a failure replays). Throws
 * FLEUVE_CONFIG_INVALID naming the option for bad values.
 */
function commitTiming(opts: GroupWorkerOptions): CommitTiming {
  const base = { ...opts.job.options, ...opts.options };
  const positiveInt = (option: string, v: number | undefined) => {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) {
      throw new FleuveError(
        "FLEUVE_CONFIG_INVALID",
        `option '${option}' must be an integer >= 1 (milliseconds), got ${String(v)}`,
        { details: { option } },
      );
    }
  };
  positiveInt("commitIntervalMs", opts.commitIntervalMs);
  positiveInt("checkpointIntervalMs", opts.checkpointIntervalMs);
  if (opts.maxHeld !== undefined && (!Number.isInteger(opts.maxHeld) || opts.maxHeld < 1)) {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `option 'maxHeld' must be an integer >= 1 (messages), got ${String(opts.maxHeld)}`,
      { details: { option: "maxHeld" } },
    );
  }
  const guarantee = opts.deliveryGuarantee ?? "exactly-once";
  if (guarantee !== "exactly-once" && guarantee !== "at-least-once") {
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `option 'deliveryGuarantee' must be "exactly-once" or "at-least-once", got ${JSON.stringify(guarantee)}`,
      { details: { option: "deliveryGuarantee" } },
    );
  }
  const checkpointIntervalMs =
    opts.checkpointIntervalMs ?? base.checkpointing?.intervalMs ?? GROUP_DEFAULTS.checkpointIntervalMs;
  // a backend the job chose itself (e.g. LMDB, incremental already) is kept as it is
  const changelog = opts.changelog !== false && base.stateBackend === undefined;
  return {
    // At-least-once records do not wait for commits: as Kafka Streams (30 s there), commit seldom.
    commitIntervalMs:
      opts.commitIntervalMs ??
      (changelog && guarantee === "exactly-once" ? GROUP_DEFAULTS.commitIntervalMs : checkpointIntervalMs),
    checkpointIntervalMs,
    changelog,
    deliveryGuarantee: guarantee,
  };
}
