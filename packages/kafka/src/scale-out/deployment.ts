/**
 * The deployment of a scale-out group: which internal topics and checkpoint folders its processes
 * share. A group keeps its units' checkpoints, exchange topics (one partition per receiving
 * subtask), units topic (one partition per unit) and changelog (one partition per unit) from run
 * to run, so they only fit the parallelism they were made for: a process built at another
 * parallelism would read partitions that do not exist and restore checkpoints of other units.
 *
 * - A group started without a savepoint is the *base* deployment: topics `fleuve-<group>-<job>-*`,
 *   checkpoints in `<dir>/<job>/`. Started again at another parallelism, it is refused (its state
 *   would be lost silently); the message says how to rescale.
 * - A group started from a savepoint (`--from-savepoint`) is a deployment of its own, named from
 *   what every process is started with (the savepoint's metadata and the job's units): topics
 *   `fleuve-<group>-<job>.from-<id>-*` and checkpoints in `<dir>/<job>.from-<id>/`. So every
 *   process of the new deployment converges on the same names, wherever the savepoint is mounted,
 *   and nothing of an earlier deployment (at another parallelism or not) feeds it.
 * - The deployment the group runs now is recorded in `<dir>/<job>.deployment/` (its `_metadata`):
 *   a process started without a savepoint joins that one when its units are the same (e.g. the
 *   processes of a rescaled group restarted with their original command line but no savepoint).
 * - A new deployment is refused while another deployment of the job still has processes in the
 *   group (both would write the job's output): every deployment's processes are members of the
 *   consumer group `fleuve-<group>`, each subscribed to its own deployment's units topic, so
 *   Kafka's description of the group tells which deployments run ({@link checkNoOtherDeployment}).
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { type CheckpointStorage, FleuveError } from "@fleuve/core";
import type { JobUnits } from "@fleuve/core/scale-out";
import type { KafkaClient } from "../client.js";
import { describeGroupTopics, type GroupMemberTopics } from "./group-members.js";

/** What {@link resolveDeployment} decides. */
export interface Deployment {
  /** "" for the base deployment, else the id of a deployment started from a savepoint. */
  readonly id: string;
  /** The job's name in internal topics and checkpoint folders: `<job>` or `<job>.from-<id>`. */
  readonly jobKey: string;
  /**
   * The savepoint the deployment's units start from while they have no checkpoints of their own:
   * this process's, or the recorded one when it joins a deployment started from a savepoint.
   */
  readonly restoreFrom?: string;
}

/** The record of the deployment a group runs now (see the module comment). */
export interface DeploymentRecord {
  readonly id: string;
  /** {@link planShape} of the deployment's units. */
  readonly shape: string;
  /** Units per task, for messages: e.g. `input-0 x6, counts-5 x6`. */
  readonly parallelism: string;
  readonly restoreFrom?: string;
  /** When the record was written (ISO time). */
  readonly since: string;
  /**
   * The job's earlier deployments, whose internal topics may remain until the current one deletes
   * them (see retired-deployments.ts): their ids and shapes, which name their topics.
   */
  readonly retired?: readonly { readonly id: string; readonly shape: string }[];
}

/** The job key of deployment `id`: `<job>` for the base deployment, else `<job>.from-<id>`. */
export function deploymentJobKey(job: string, id: string): string {
  return id === "" ? job : `${job}.from-${id}`;
}

/** The deployment a group runs now, as recorded under the shared checkpoint directory. */
export async function readDeploymentRecord(
  storage: CheckpointStorage,
  checkpointDir: string,
  job: string,
): Promise<DeploymentRecord | undefined> {
  const raw = await storage.readFile(deploymentRecordDir(checkpointDir, job), "_metadata");
  return raw === undefined ? undefined : (JSON.parse(raw.toString("utf8")) as DeploymentRecord);
}

/**
 * The internal topics of a deployment (`fleuve-<group>-<jobKey>-*`): one per exchange of its
 * shape ({@link planShape}), its units, control and changelog topics. The names group-worker.ts
 * gives them.
 */
export function internalTopicsOf(prefix: string, jobKey: string, shape: string): string[] {
  const exchanges = (JSON.parse(shape) as { exchanges: [string, number, number][] }).exchanges;
  return [...exchanges.map(([name]) => name), "units", "control", "changelog"].map((name) =>
    `${prefix}-${jobKey}-${name}`.slice(0, 249),
  );
}

/** What fixes the internal topics and checkpoint folders of a plan: its units and exchanges. */
export function planShape(plan: JobUnits): string {
  return JSON.stringify({
    units: plan.units.map((u) => u.name),
    exchanges: plan.exchanges.map((x) => [x.name, x.senders, x.receivers]),
  });
}

/** Units per task of a plan, for messages: `<task head>: <parallelism>` in plan order. */
export function describeParallelism(plan: JobUnits): string {
  const tasks = new Map<number, { name: string; parallelism: number }>();
  for (const u of plan.units) {
    if (!tasks.has(u.task))
      tasks.set(u.task, { name: u.name.replace(/-\d+$/, ""), parallelism: u.parallelism });
  }
  return [...tasks.values()].map((t) => `${t.name} x${t.parallelism}`).join(", ");
}

/** The folder of a job's deployment record under the shared checkpoint directory. */
export function deploymentRecordDir(checkpointDir: string, job: string): string {
  return join(checkpointDir, `${job}.deployment`);
}

/** How to rescale a group, for the refusals. */
function howToRescale(job: string): string {
  return `a group changes parallelism only through a savepoint: 'fleuve savepoint ${job} --stop' (where a process of the group runs), then start every process with the new --parallelism and '--from-savepoint <the printed path>'`;
}

/**
 * Decides the deployment this process joins (see the module comment), recording it when it is a
 * new one. Throws FLEUVE_CONFIG_INVALID (permanent: restarting cannot help) when the process is
 * started without a savepoint at another parallelism than the group's.
 */
export async function resolveDeployment(opts: {
  readonly storage: CheckpointStorage;
  readonly checkpointDir: string;
  readonly job: string;
  readonly group: string;
  readonly plan: JobUnits;
  readonly restoreFrom?: string;
  readonly log: (line: string) => void;
  /**
   * Called with the deployment's job key before a process started from a savepoint records or
   * joins that deployment: may refuse it (e.g. {@link checkNoOtherDeployment}), leaving no record.
   */
  readonly beforeStart?: (jobKey: string) => Promise<void>;
}): Promise<Deployment> {
  const { storage, job, plan } = opts;
  const recordDir = deploymentRecordDir(opts.checkpointDir, job);
  const current = await readDeploymentRecord(storage, opts.checkpointDir, job);
  const shape = planShape(plan);
  const parallelism = describeParallelism(plan);
  const keyOf = (id: string) => deploymentJobKey(job, id);
  if (opts.restoreFrom === undefined) {
    if (current === undefined) {
      await write({ id: "", shape, parallelism, since: new Date().toISOString() });
      return { id: "", jobKey: job };
    }
    if (current.shape === shape) {
      return {
        id: current.id,
        jobKey: keyOf(current.id),
        ...(current.restoreFrom === undefined ? {} : { restoreFrom: current.restoreFrom }),
      };
    }
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `group "${opts.group}" runs job "${job}" at another parallelism (${current.parallelism}${current.restoreFrom ? `, from savepoint ${current.restoreFrom}` : ""}, since ${current.since}) than this process (${parallelism}); ${howToRescale(job)}`,
      { details: { option: "parallelism", group: opts.group }, permanent: true },
    );
  }
  // Named after the savepoint's own metadata (the same wherever it is mounted) and the units.
  const savepoint = resolve(opts.restoreFrom);
  const metadata = (await storage.readFile(savepoint, "_metadata")) ?? Buffer.from(savepoint);
  const id = createHash("sha256").update(metadata).update(shape).digest("hex").slice(0, 10);
  await opts.beforeStart?.(keyOf(id));
  if (current?.id !== id) {
    // the deployments before this one: their topics go once this one runs on its own
    const retired = [
      ...(current?.retired ?? []),
      ...(current ? [{ id: current.id, shape: current.shape }] : []),
    ];
    await write({
      id,
      shape,
      parallelism,
      restoreFrom: savepoint,
      since: new Date().toISOString(),
      retired: retired.filter((r) => r.id !== id),
    });
    opts.log(
      `group ${opts.group}: new deployment ${keyOf(id)} from savepoint ${savepoint} (${parallelism})${current ? `; the previous one (${keyOf(current.id)}, ${current.parallelism}) is no longer used` : ""}`,
    );
  }
  return { id, jobKey: keyOf(id), restoreFrom: savepoint };

  /** Writes the record; processes of one new deployment may write it at once (the same one). */
  async function write(record: DeploymentRecord): Promise<void> {
    try {
      await storage.writeFolder(recordDir, new Map(), JSON.stringify(record));
    } catch (e) {
      const now = await storage.readFile(recordDir, "_metadata").catch(() => undefined);
      if (now === undefined || (JSON.parse(now.toString("utf8")) as DeploymentRecord).id !== record.id)
        throw e;
    }
  }
}

/**
 * Checks that the internal topics that already existed have the partitions this process needs
 * (one per unit, one per receiver): a group that ran at another parallelism before deployments
 * were recorded, or two processes that recorded different ones at once. Throws like
 * {@link resolveDeployment}, naming the topic.
 */
export async function checkTopicPartitions(
  client: KafkaClient,
  topics: readonly { readonly name: string; readonly partitions: number }[],
  group: string,
  job: string,
): Promise<void> {
  for (const t of topics) {
    const found = (await client.describeTopic(t.name))?.partitions.length;
    if (found === undefined || found === t.partitions) continue;
    throw new FleuveError(
      "FLEUVE_CONFIG_INVALID",
      `group "${group}" ran job "${job}" at another parallelism: its internal topic ${t.name} has ${found} partitions, this process needs ${t.partitions}; ${howToRescale(job)}`,
      { details: { option: "parallelism", group, topic: t.name }, permanent: true },
    );
  }
}

/** The job key of a deployment from its units topic `fleuve-<group>-<jobKey>-units`, if it is one. */
function jobKeyOfUnitsTopic(topic: string, prefix: string): string | undefined {
  if (!topic.startsWith(`${prefix}-`) || !topic.endsWith("-units")) return undefined;
  return topic.slice(prefix.length + 1, -"-units".length);
}

/**
 * Refuses to start deployment `jobKey` while processes of another deployment of job `job` are
 * still members of the group's consumer group (`groupId`, i.e. `fleuve-<group>`): both would
 * write the job's output, and their members would share one group. Throws FLEUVE_CONFIG_INVALID
 * (permanent) naming that deployment, its processes, and how to stop it. `describe` is Kafka's
 * description of the group (a parameter for tests).
 */
export async function checkNoOtherDeployment(opts: {
  readonly bootstrap: string;
  readonly groupId: string;
  readonly group: string;
  readonly job: string;
  readonly jobKey: string;
  readonly describe?: (bootstrap: string, groupId: string) => Promise<GroupMemberTopics[]>;
}): Promise<void> {
  const describe = opts.describe ?? describeGroupTopics;
  let members: GroupMemberTopics[] | undefined;
  // The description may fail while the group rebalances: try a few times.
  for (let attempt = 1; members === undefined; attempt++) {
    try {
      members = await describe(opts.bootstrap, opts.groupId);
    } catch (e) {
      if (attempt >= 3) throw e;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
  const others = new Map<string, GroupMemberTopics[]>();
  for (const m of members) {
    for (const t of m.topics) {
      const key = jobKeyOfUnitsTopic(t, opts.groupId);
      // the job's own deployments only: `<job>` or `<job>.from-<id>`
      if (key === undefined || key === opts.jobKey) continue;
      if (key !== opts.job && !key.startsWith(`${opts.job}.from-`)) continue;
      others.set(key, [...(others.get(key) ?? []), m]);
    }
  }
  const [running, processes] = [...others].sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  if (running === undefined || processes === undefined) return;
  const names = processes.map((p) => `${p.clientId} (${p.host})`).join(", ");
  throw new FleuveError(
    "FLEUVE_CONFIG_INVALID",
    `group "${opts.group}": deployment ${running} of job "${opts.job}" still runs (${processes.length} process${processes.length === 1 ? "" : "es"}: ${names}); this process would start deployment ${opts.jobKey} beside it, and both would write the job's output. Stop the running deployment first: 'fleuve savepoint ${opts.job} --stop' (where one of its processes runs) stops all its processes with a savepoint to start this one from; or stop its processes (Ctrl-C)`,
    { details: { option: "restoreFrom", group: opts.group, running }, permanent: true },
  );
}
