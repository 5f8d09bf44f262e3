/**
 * Deleting the internal topics of a job's earlier deployments. A group rescaled through a
 * savepoint runs a new deployment with topics of its own (deployment.ts), and the previous
 * deployment's exchanges, units, control and changelog topics would stay for ever: exchange
 * topics have no retention. As Kafka Streams' application reset tool deletes an application's
 * internal topics once nothing runs it, the current deployment deletes an earlier one's once
 *
 * - it is the deployment recorded as current (a newer one does its own cleaning),
 * - every one of its units has completed a checkpoint of its own (no unit can need the savepoint's
 *   deployment any more: a restore goes to the unit's own checkpoints; the savepoint itself, a
 *   folder, is kept), and
 * - no process of the earlier deployment is a member of the group (Kafka's description of the
 *   consumer group shows none subscribed to its units topic).
 *
 * Each deletion is logged with the topics deleted. The earlier deployment's checkpoint folders
 * (`<dir>/<job>.from-<id>/`, `<dir>/<job>/`) are kept: they are files, bounded, and what an operator
 * may still want to inspect; delete them by hand.
 */
import type { CheckpointStorage } from "@fleuve/core";
import { epochDir, epochsOf, hasCompletedCheckpoint } from "@fleuve/core/scale-out";
import { KafkaClient } from "../client.js";
import { deploymentJobKey, internalTopicsOf, readDeploymentRecord } from "./deployment.js";
import { describeGroupTopics, type GroupMemberTopics } from "./group-members.js";

/** Options of {@link deleteRetiredDeployments}. */
export interface RetiredDeploymentsOptions {
  readonly storage: CheckpointStorage;
  readonly checkpointDir: string;
  readonly job: string;
  /** The group as the user named it, for the logs. */
  readonly group: string;
  /** The consumer group and topic prefix: `fleuve-<group>`. */
  readonly groupId: string;
  readonly bootstrap: string;
  /** The id of the deployment this process runs. */
  readonly deploymentId: string;
  /** The checkpoint folder of each unit of this deployment. */
  readonly unitDirs: readonly string[];
  readonly log: (line: string) => void;
  /** Kafka's description of the group (a parameter for tests). */
  readonly describe?: (bootstrap: string, groupId: string) => Promise<GroupMemberTopics[]>;
}

/**
 * Deletes the internal topics of the job's earlier deployments when the module comment's
 * conditions hold; a failure (e.g. the broker) rejects, to be tried again. Returns true when nothing is left to do (deleted, none, or this deployment is
 * not the current one), false to try again later.
 */
export async function deleteRetiredDeployments(opts: RetiredDeploymentsOptions): Promise<boolean> {
  const record = await readDeploymentRecord(opts.storage, opts.checkpointDir, opts.job);
  if (record === undefined || record.id !== opts.deploymentId) return true;
  const retired = record.retired ?? [];
  if (retired.length === 0) return true;
  for (const dir of opts.unitDirs) {
    let checkpointed = false;
    for (const e of await epochsOf(opts.storage, dir)) {
      if (await hasCompletedCheckpoint(epochDir(dir, e), opts.storage)) {
        checkpointed = true;
        break;
      }
    }
    if (!checkpointed) return false;
  }
  const members = await (opts.describe ?? describeGroupTopics)(opts.bootstrap, opts.groupId);
  const client = await KafkaClient.connect({ "bootstrap.servers": opts.bootstrap });
  let done = true;
  try {
    const existing = new Set(await client.listTopics());
    const current = deploymentJobKey(opts.job, record.id);
    for (const r of retired) {
      const key = deploymentJobKey(opts.job, r.id);
      const topics = internalTopicsOf(opts.groupId, key, r.shape);
      const unitsTopic = `${opts.groupId}-${key}-units`.slice(0, 249);
      const running = members.filter((m) => m.topics.includes(unitsTopic));
      if (running.length > 0) {
        done = false; // its processes still run (e.g. they have not stopped yet): later
        continue;
      }
      const left = topics.filter((t) => existing.has(t));
      if (left.length === 0) continue;
      await client.deleteTopics(left);
      opts.log(
        `group ${opts.group}: deleted the internal topics of deployment ${key}, which no process runs any more (deployment ${current} has a checkpoint of every unit): ${left.join(", ")}`,
      );
    }
  } finally {
    await client.close().catch(() => {});
  }
  return done;
}
