/**
 * The processes of a scale-out group as Kafka's consumer group description tells them (Admin
 * DescribeGroups): every member with its client id, host and the units assigned to it, including
 * processes on other machines. What `fleuve jobs` shows of a group job.
 */
import { Admin } from "@platformatic/kafka";
import { commonOptions } from "../properties.js";

/** A process of a group (a member of its consumer group). */
export interface GroupMemberInfo {
  /** Kafka's member id. */
  readonly memberId: string;
  /** The member's `client.id`: `fleuve-<group>-member-<host name>-<pid>` for fleuve processes. */
  readonly clientId: string;
  /** The address the broker sees the member connect from (e.g. `/10.0.0.7`). */
  readonly host: string;
  /** The units assigned to it in the current generation, by name. */
  readonly units: readonly string[];
}

/**
 * The members of consumer group `groupId` and the partitions of `unitsTopic` each is assigned,
 * as unit names (`unitNames[partition]`), in member id order. [] when the group has no member.
 */
export async function describeGroupMembers(opts: {
  readonly bootstrap: string;
  readonly groupId: string;
  readonly unitsTopic: string;
  readonly unitNames: readonly string[];
}): Promise<GroupMemberInfo[]> {
  const group = await describeGroup(opts.bootstrap, opts.groupId);
  return [...(group?.members.values() ?? [])]
    .map((m) => ({
      memberId: m.id,
      clientId: m.clientId,
      host: m.clientHost,
      units: (m.assignments?.get(opts.unitsTopic)?.partitions ?? [])
        .slice()
        .sort((a, b) => a - b)
        .map((p) => opts.unitNames[p] ?? `partition ${p}`),
    }))
    .sort((a, b) => a.memberId.localeCompare(b.memberId));
}

/** A process of a group with the topics it subscribes to or is assigned (its units topic). */
export interface GroupMemberTopics {
  /** The member's `client.id`: `fleuve-<group>-member-<host name>-<pid>` for fleuve processes. */
  readonly clientId: string;
  /** The address the broker sees the member connect from. */
  readonly host: string;
  /** The topics of its subscription and of its assignment. */
  readonly topics: readonly string[];
}

/**
 * Every member of consumer group `groupId` with the topics it subscribes to (its join's
 * subscription, known even while the group rebalances) and is assigned: a fleuve process's units
 * topic names the deployment it runs (see deployment.ts). [] when the group has no member.
 */
export async function describeGroupTopics(bootstrap: string, groupId: string): Promise<GroupMemberTopics[]> {
  const group = await describeGroup(bootstrap, groupId);
  return [...(group?.members.values() ?? [])].map((m) => ({
    clientId: m.clientId,
    host: m.clientHost,
    topics: [...new Set([...(m.metadata?.topics ?? []), ...(m.assignments?.keys() ?? [])])],
  }));
}

/** Kafka's description of consumer group `groupId` (Admin DescribeGroups), one quick try. */
async function describeGroup(bootstrap: string, groupId: string) {
  const admin = new Admin({
    ...commonOptions({ "bootstrap.servers": bootstrap }, `${groupId}-describe`),
    // one quick try: a status that waits for a broker that does not answer tells nothing
    retries: 0,
  });
  try {
    return (await admin.describeGroups({ groups: [groupId] })).get(groupId);
  } finally {
    await admin.close().catch(() => {});
  }
}
