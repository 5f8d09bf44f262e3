/**
 * The alerts a job raised, as the dashboard shows them. Alert operators (`detectAlerts` of
 * @fleuve/alerts) record each alert in their metrics' event log named `alerts` (core's
 * `MetricGroup.events`), so alerts reach the dashboard in the metrics snapshot it samples anyway,
 * from every thread and process the snapshot covers; the dashboard depends on that log's name and
 * the alert's plain fields, not on the alerts package.
 */
import type { MetricsSnapshot } from "@fleuve/core";

/** The event log the dashboard reads alerts from (what `detectAlerts` writes to). */
export const ALERT_EVENTS = "alerts";
/**
 * How long an alert stays active after it was raised (ms): alerts are point events without an
 * end, so, as Alertmanager's `resolve_timeout` (also 5 minutes), one not raised again within this
 * time counts as resolved.
 */
export const ALERT_ACTIVE_MS = 5 * 60_000;
/** Alerts kept in the history. */
export const ALERT_HISTORY_LENGTH = 200;

/** One alert as the dashboard shows it. */
export interface AlertEntry {
  /** The operator subtask that raised it. */
  readonly operator: string;
  readonly operatorId: string;
  readonly subtask: number;
  /** Wall clock when the operator raised it (ms since the epoch). */
  readonly raisedAt: number;
  /** The series (the key of the alert operator). */
  readonly series: string;
  readonly rule: string;
  /** `spike`, `drop` or `level`. */
  readonly kind: string;
  /** Event time of the point that raised it (ms since the epoch). */
  readonly time: number;
  readonly value: number;
  readonly expected?: number;
  readonly score?: number;
}

/** What `/api/alerts` answers. */
export interface AlertsView {
  readonly activeForMs: number;
  /** The latest alert of each operator, series and rule raised within `activeForMs`, newest first. */
  readonly active: readonly AlertEntry[];
  /** Every alert seen (at most {@link ALERT_HISTORY_LENGTH}), newest first. */
  readonly recent: readonly AlertEntry[];
  /** Alerts the operators raised (since they started in this process). */
  readonly total: number;
  /** Alerts raised faster than the dashboard sampled, which it never saw. */
  readonly missed: number;
}

const num = (v: unknown): v is number => typeof v === "number";
/** What makes two alerts the same one (an alert replayed after a restore has the same). */
const idOf = (a: AlertEntry) => JSON.stringify([a.operatorId, a.series, a.rule, a.kind, a.time]);

/** Collects the alerts of successive metrics snapshots. */
export class AlertHistory {
  /** Per operator subtask: the log's count when last sampled, and when its newest event was added. */
  private readonly seen = new Map<string, { total: number; at: number }>();
  private readonly totals = new Map<string, number>();
  private readonly entries: AlertEntry[] = [];
  /** Identities of the kept entries: an alert replayed after a restore from a checkpoint shows once. */
  private readonly ids = new Set<string>();
  private missed = 0;

  /** Takes the alerts of `snapshot` not seen before. */
  note(snapshot: MetricsSnapshot): void {
    for (const op of snapshot.operators) {
      const log = op.user.events?.[ALERT_EVENTS];
      if (log === undefined) continue;
      const subtask = `${op.operatorId}\u0000${op.subtaskIndex}`;
      const had = this.seen.get(subtask);
      // A log that started again (its worker thread or unit process was restarted, with new
      // metrics) counts from 1: its count went back, or its event of the old count is another one.
      const again =
        had !== undefined &&
        (log.total < had.total || log.recent.some((e) => e.seq === had.total && e.at !== had.at));
      const last = had === undefined || again ? 0 : had.total;
      this.totals.set(subtask, log.total);
      if (log.total <= last) continue;
      this.seen.set(subtask, { total: log.total, at: log.recent.at(-1)?.at ?? Number.NaN });
      const first = log.recent[0]?.seq ?? log.total + 1;
      if (first > last + 1) this.missed += first - last - 1;
      for (const e of log.recent) {
        if (e.seq <= last) continue;
        const d = e.data;
        if (typeof d.series !== "string" || typeof d.rule !== "string" || !num(d.time) || !num(d.value))
          continue;
        const entry: AlertEntry = {
          operator: op.operatorName,
          operatorId: op.operatorId,
          subtask: op.subtaskIndex,
          raisedAt: e.at,
          series: d.series,
          rule: d.rule,
          kind: typeof d.kind === "string" ? d.kind : "",
          time: d.time,
          value: d.value,
          ...(num(d.expected) ? { expected: d.expected } : {}),
          ...(num(d.score) ? { score: d.score } : {}),
        };
        const id = idOf(entry);
        if (this.ids.has(id)) continue;
        this.ids.add(id);
        this.entries.push(entry);
        if (this.entries.length > ALERT_HISTORY_LENGTH) {
          this.ids.delete(idOf(this.entries.shift()!));
        }
      }
    }
  }

  /** Active and recent alerts at `now` (ms since the epoch). */
  view(now: number, activeForMs = ALERT_ACTIVE_MS): AlertsView {
    const recent = [...this.entries].reverse();
    const latest = new Map<string, AlertEntry>();
    for (const a of recent) {
      const k = JSON.stringify([a.operatorId, a.series, a.rule]);
      if (!latest.has(k)) latest.set(k, a);
    }
    const active = [...latest.values()].filter((a) => now - a.raisedAt <= activeForMs);
    let total = 0;
    for (const t of this.totals.values()) total += t;
    return { activeForMs, active, recent, total, missed: this.missed };
  }
}
