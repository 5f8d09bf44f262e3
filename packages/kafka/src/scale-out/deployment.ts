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
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { type CheckpointStorage, FleuveError } from "@fleuve/core";
import type { JobUnits } from "@fleuve/core/scale-out";
import type { KafkaClient } from "../client.js";

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
interface DeploymentRecord {
  readonly id: string;
  /** {@link planShape} of the deployment's units. */
  readonly shape: string;
  /** Units per task, for messages: e.g. `input-0 x6, counts-5 x6`. */
  readonly parallelism: string;
  readonly restoreFrom?: string;
  /** When the record was written (ISO time). */
  readonly since: string;
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
}): Promise<Deployment> {
  const { storage, job, plan } = opts;
  const recordDir = deploymentRecordDir(opts.checkpointDir, job);
  const raw = await storage.readFile(recordDir, "_metadata");
  const current = raw === undefined ? undefined : (JSON.parse(raw.toString("utf8")) as DeploymentRecord);
  const shape = planShape(plan);
  const parallelism = describeParallelism(plan);
  const keyOf = (id: string) => (id === "" ? job : `${job}.from-${id}`);
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
  if (current?.id !== id) {
    await write({ id, shape, parallelism, restoreFrom: savepoint, since: new Date().toISOString() });
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
