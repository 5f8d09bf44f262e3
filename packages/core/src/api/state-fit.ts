/**
 * Whether a checkpoint or savepoint fits a job: per operator, is its state kept, new (it starts
 * empty), dropped (the job no longer has the operator) or incompatible (same uid, but the state
 * schema the operator declared differs from the one the checkpoint was written with). The restore
 * refuses dropped and incompatible state unless `allowNonRestoredState` is set, and the same report
 * can be had before a restart ({@link StreamExecutionEnvironment.checkSavepoint}).
 */

import type { LoadedCheckpoint } from "../checkpoint/storage.js";
import { FleuveError } from "../errors.js";
import type { StreamGraph } from "../graph/stream-graph.js";
import type { OperatorSnapshot } from "../spi/operator.js";

/** What becomes of one operator's state on restore. */
export type StateFit = "kept" | "new" | "dropped" | "incompatible";

/** One line of a {@link StateFitReport}. */
export interface OperatorStateFit {
  readonly uid: string;
  /** The operator's name in the job (absent for a dropped operator). */
  readonly name?: string;
  readonly fit: StateFit;
  /** Why the state does not fit (incompatible), or what happens to it (dropped, new). */
  readonly reason?: string;
}

/** What a checkpoint's state becomes in a job, per operator that has or declares state. */
export interface StateFitReport {
  readonly path: string;
  readonly operators: readonly OperatorStateFit[];
  /** True when the restore needs `allowNonRestoredState` (some state is dropped or incompatible). */
  readonly needsNonRestored: boolean;
}

/** Whether a snapshot holds anything to restore (stateless operators snapshot nothing). */
function holdsState(s: OperatorSnapshot): boolean {
  if (s.keyed !== undefined || s.custom !== undefined) return true;
  if (s.timers !== undefined && (s.timers.eventTime.length > 0 || s.timers.processingTime.length > 0))
    return true;
  const op = s.operator;
  if (op === undefined) return false;
  return (
    Object.values(op.lists).some((l) => l.length > 0) ||
    Object.values(op.unions ?? {}).some((l) => l.length > 0) ||
    Object.values(op.broadcast).some((b) => b.length > 0)
  );
}

/** The fields of two state schemas that differ, as `field: old -> new`. */
function schemaChanges(
  old: Readonly<Record<string, string>> | undefined,
  now: Readonly<Record<string, string>> | undefined,
): string[] {
  if (old === undefined || now === undefined) return [];
  const keys = [...new Set([...Object.keys(old), ...Object.keys(now)])];
  return keys
    .filter((k) => old[k] !== now[k])
    .map((k) => `${k} changed: ${old[k] ?? "(none)"} -> ${now[k] ?? "(none)"}`);
}

/**
 * Compares the operators of `graph` with the state of checkpoint `cp`. Operators whose old
 * snapshots hold nothing (maps, filters) are left out when the job no longer has them: their
 * uids may change freely. `otherOperators` are uids the job has elsewhere (other units of a group).
 */
export function stateFit(
  graph: StreamGraph,
  cp: LoadedCheckpoint,
  otherOperators: ReadonlySet<string> = new Set(),
): StateFitReport {
  const out: OperatorStateFit[] = [];
  const uids = new Set<string>();
  for (const node of graph.nodes) {
    const uid = graph.uidOf(node);
    uids.add(uid);
    const old = cp.operators.get(uid);
    const stateful = old?.some(holdsState) === true;
    if (old === undefined) {
      if (node.stateSchema !== undefined)
        out.push({ uid, name: node.name, fit: "new", reason: "starts empty" });
      continue;
    }
    const changes = schemaChanges(cp.metadata.operators[uid]?.schema, node.stateSchema);
    if (changes.length > 0 && stateful)
      out.push({ uid, name: node.name, fit: "incompatible", reason: changes.join("; ") });
    else if (stateful || node.stateSchema !== undefined) out.push({ uid, name: node.name, fit: "kept" });
  }
  for (const [uid, snaps] of cp.operators) {
    if (uids.has(uid) || otherOperators.has(uid) || !snaps.some(holdsState)) continue;
    out.push({ uid, fit: "dropped", reason: droppedReason(uid, graph, cp) });
  }
  return {
    path: cp.path,
    operators: out,
    needsNonRestored: out.some((o) => o.fit === "dropped" || o.fit === "incompatible"),
  };
}

/**
 * Why the job no longer has operator `uid`. A uid `X-2` whose state schema is that of the job's
 * operator `X` was a second copy of it (structural ids number copies, see the SQL planner's
 * state-ids.ts): the job now computes that part once (a SQL statement's identical subqueries
 * are planned once), so its state is dropped and the operators reading it get new ids.
 */
function droppedReason(uid: string, graph: StreamGraph, cp: LoadedCheckpoint): string {
  const base = /^(.+)-\d+$/.exec(uid)?.[1];
  const twin = base === undefined ? undefined : graph.nodes.find((n) => graph.uidOf(n) === base);
  const old = cp.metadata.operators[uid]?.schema;
  if (twin !== undefined && old !== undefined && schemaChanges(old, twin.stateSchema).length === 0)
    return `a second copy of ${base} (the same state over the same input), which this job computes once: identical subqueries of a SQL statement are planned once (docs/sql.md, "Editing a query under a savepoint")`;
  return "the job no longer has this operator";
}

/** The report as lines, one per operator: `kept    <uid> (<name>)`, with the reason when there is one. */
export function formatStateFit(report: StateFitReport): string[] {
  return report.operators.map(
    (o) =>
      `${o.fit.padEnd(12)} ${o.uid}${o.name === undefined || o.name === o.uid ? "" : ` (${o.name})`}${o.reason === undefined ? "" : `: ${o.reason}`}`,
  );
}

/** The error a restore fails with when `report` needs `allowNonRestoredState`. */
export function stateFitError(report: StateFitReport): FleuveError {
  const bad = report.operators.filter((o) => o.fit === "dropped" || o.fit === "incompatible");
  const dropped = bad.filter((o) => o.fit === "dropped").map((o) => o.uid);
  const incompatible = bad.filter((o) => o.fit === "incompatible");
  const parts: string[] = [];
  if (dropped.length > 0) {
    parts.push(
      `${report.path} holds state of operators this job does not have: ${dropped.join(", ")}. Give operators the same uid() as before`,
    );
  }
  // A copy the job now computes once: say so, the uid() advice does not apply.
  for (const o of bad)
    if (o.fit === "dropped" && o.reason?.startsWith("a second copy") === true)
      parts.push(`${o.uid} is ${o.reason}`);
  for (const o of incompatible)
    parts.push(`the state of operator '${o.uid}' in ${report.path} does not fit it: ${o.reason}`);
  return new FleuveError(
    "FLEUVE_STATE_INCOMPATIBLE",
    `${parts.join("; ")}; or set allowNonRestoredState (fleuve run / fleuve sql -f: --allow-non-restored-state) to drop that state (the operator then starts empty)`,
    { details: { path: report.path, dropped, incompatible: incompatible.map((o) => o.uid) } },
  );
}
