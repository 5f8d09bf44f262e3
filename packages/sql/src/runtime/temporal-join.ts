/**
 * The event-time temporal join of Flink SQL (flink-table-runtime's TemporalRowTimeJoinOperator):
 * `l [LEFT] JOIN r FOR SYSTEM_TIME AS OF l.rowtime ON l.k = r.pk`. Per key, the left rows wait in
 * state until the watermark (the smaller of both inputs') passes their time; each then joins the
 * version of the right side that was valid at that time: the latest right row whose rowtime is
 * at or before it, unless that version is a delete. An inner join drops a left row with no valid
 * version (or whose version fails the rest of ON); a LEFT join pads it with NULLs. Later changes
 * of the right side never change a result already emitted. Versions older than the one valid at
 * the watermark are dropped, as Flink cleans its state.
 */

import type { InternalTimerService, Key, KeyedTable } from "@fleuve/core/spi";
import { TwoInputOperator } from "@fleuve/core/spi";
import { rowKind, withKind } from "../planner/changelog.js";
import type { Row } from "../planner/values.js";

/** What the planner gives the operator. */
export interface TemporalJoinSpec {
  readonly type: "INNER" | "LEFT";
  /** The time of a left row (its rowtime column, the AS OF time). */
  readonly leftTime: (row: Row) => number;
  /** The time from which a right row is the valid version (the versioned table's rowtime). */
  readonly rightTime: (row: Row) => number;
  /** The rest of the ON condition on a pair (beyond the key). */
  readonly matches: (left: Row, right: Row) => boolean;
  /** The output row of a pair, or of a left row padded with NULLs. */
  readonly combine: (left: Row, right: Row | null) => Row;
}

/** A left row waiting for the watermark: [time, arrival sequence, row]. */
type Waiting = [number, number, Row];
/** A version of the right side: [valid from, row or null for a delete], sorted by time. */
type Version = [number, Row | null];

/** Keyed two-input operator of a SQL event-time temporal join. */
export class SqlTemporalJoinOperator extends TwoInputOperator<Row, Row, Row> {
  private left!: KeyedTable<Waiting[]>;
  private versions!: KeyedTable<Version[]>;
  private timers$!: InternalTimerService<number>;
  private seq = 0;

  constructor(private readonly spec: TemporalJoinSpec) {
    super();
  }

  override open(): void {
    this.left = this.keyedState.getTable<Waiting[]>("sql-temporal-join-left");
    this.versions = this.keyedState.getTable<Version[]>("sql-temporal-join-versions");
    // Created in open() so that timers restored from a checkpoint find their service.
    this.timers$ = this.getTimerService<number>({
      onEventTime: (_time: number, _key: Key) => this.emitDue(),
      onProcessingTime: () => {},
    });
  }

  processElement1(row: Row): void {
    const t = this.spec.leftTime(row);
    const waiting = this.left.get() ?? [];
    waiting.push([t, this.seq++, row]);
    this.left.set(waiting);
    this.timers$.registerEventTimeTimer(0, t);
  }

  processElement2(row: Row, timestamp: number): void {
    const kind = rowKind(row);
    // -U carries the version being replaced; the +U that follows says when the new one starts.
    if (kind === "-U") return;
    const from = kind === "-D" ? timestamp : this.spec.rightTime(row);
    // The version's values, without the kind (joined rows are inserts).
    const version = kind === "-D" ? null : withKind({ ...row }, "+I");
    const versions = this.versions.get() ?? [];
    let i = versions.length;
    while (i > 0 && (versions[i - 1] as Version)[0] > from) i--;
    // One version per time: a later change at the same time replaces it (Flink's MapState by time).
    if (i > 0 && (versions[i - 1] as Version)[0] === from) versions[i - 1] = [from, version];
    else versions.splice(i, 0, [from, version]);
    this.versions.set(versions);
    // Cleans older versions once the watermark passes this one.
    this.timers$.registerEventTimeTimer(0, from);
  }

  /** Joins the left rows the watermark passed, in time order, then drops versions no row needs. */
  private emitDue(): void {
    const watermark = this.currentWatermark;
    const waiting = this.left.get();
    const versions = this.versions.get() ?? [];
    if (waiting !== undefined) {
      const due = waiting.filter((w) => w[0] <= watermark).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (const [t, , row] of due) {
        const version = validAt(versions, t);
        const right = version?.[1] ?? null;
        if (right !== null && this.spec.matches(row, right))
          this.output.collect(this.spec.combine(row, right), t);
        else if (this.spec.type === "LEFT") this.output.collect(this.spec.combine(row, null), t);
      }
      const rest = waiting.filter((w) => w[0] > watermark);
      if (rest.length === 0) this.left.delete();
      else this.left.set(rest);
    }
    // Keep the version valid at the watermark and the later ones: no left row can need older ones.
    let keepFrom = 0;
    for (let i = 0; i < versions.length; i++) if ((versions[i] as Version)[0] <= watermark) keepFrom = i;
    if (keepFrom > 0) versions.splice(0, keepFrom);
    const only = versions.length === 1 ? (versions[0] as Version) : undefined;
    // A lone delete the watermark passed joins nothing, as no version at all.
    if (versions.length === 0 || (only !== undefined && only[1] === null && only[0] <= watermark))
      this.versions.delete();
    else this.versions.set(versions);
  }
}

/** The latest version valid from at or before `t`. */
function validAt(versions: readonly Version[], t: number): Version | undefined {
  let found: Version | undefined;
  for (const v of versions) {
    if (v[0] > t) break;
    found = v;
  }
  return found;
}
