/**
 * Changelog semantics, as Flink SQL's RowKind and ChangelogMode. Every row of a planned stream
 * has a kind: `+I` (insert), `-U` (the row before an update), `+U` (the row after it) or `-D`
 * (delete). An insert-only relation has only `+I` rows; an updating one (a group aggregation, a
 * top-N...) retracts and updates the rows it emitted before.
 *
 * The kind travels in the row itself, under the reserved field {@link ROW_KIND} (absent means
 * `+I`, so insert-only rows carry nothing extra). It is a plain string field so that it survives
 * every serialization a record goes through (v8 between processes, state snapshots). Operators
 * that build a new row from an input row copy the kind with {@link withKindOf}.
 *
 * Each relation states its {@link ChangelogMode}: the kinds its stream may contain, and, when it
 * updates, the operator that produces the updates (so that a sink refusing updates can name it)
 * and the unique key of its rows, if any (what an upsert consumer keys by).
 */

import type { DataStream } from "@fleuve/core";
import { jsonWithLongs } from "@fleuve/core";
import type { Row } from "./values.js";

/** The kind of a change: insert, update-before, update-after, delete (Flink's RowKind). */
export type RowKind = "+I" | "-U" | "+U" | "-D";

/** Every row kind, in Flink's order. */
export const ROW_KINDS: readonly RowKind[] = ["+I", "-U", "+U", "-D"];

/** The reserved row field holding a row's kind when it is not `+I`. */
export const ROW_KIND = "$rowkind";

/** The kind of `row` (`+I` when it carries none). */
export function rowKind(row: Row): RowKind {
  return (row[ROW_KIND] as RowKind | undefined) ?? "+I";
}

/** Sets the kind of `row` (in place) and returns it; `+I` leaves the row without the field. */
export function withKind(row: Row, kind: RowKind): Row {
  // `delete` of a field the row lacks still calls into the runtime (about 0.2 µs): most rows
  // given `+I` are new and carry no kind, so look first.
  if (kind !== "+I") row[ROW_KIND] = kind;
  else if (row[ROW_KIND] !== undefined) delete row[ROW_KIND];
  return row;
}

/** Gives `out` the kind of `from` (in place) and returns `out`: for projections of changelog rows. */
export function withKindOf(out: Row, from: Row): Row {
  const k = from[ROW_KIND];
  if (k !== undefined) out[ROW_KIND] = k;
  return out;
}

/** Whether `kind` adds a row to the table (`+I`, `+U`) rather than removing one (`-U`, `-D`). */
export function isAccumulate(kind: RowKind): boolean {
  return kind === "+I" || kind === "+U";
}

/**
 * The kinds of rows a relation's stream may contain (Flink's ChangelogMode), and for an updating
 * relation, the operator that produces the updates and the key that identifies its rows.
 */
export interface ChangelogMode {
  /** The kinds the stream may contain; `["+I"]` for insert-only. */
  readonly kinds: readonly RowKind[];
  /**
   * The operator that produces the updates, as Flink names plan nodes (e.g.
   * `GroupAggregate(groupBy=[item], select=[item, COUNT(*)])`); set when the mode is not insert-only.
   */
  readonly producer?: string | undefined;
  /** The columns that identify a row of the result (the GROUP BY keys), when there are. */
  readonly uniqueKey?: readonly string[] | undefined;
}

/** Insert-only: every row is `+I` (sources, projections and filters of them, window aggregates). */
export const INSERT_ONLY: ChangelogMode = { kinds: ["+I"] };

/** A retracting, updating changelog produced by `producer`: `+I`, `-U`, `+U` and `-D`. */
export function retractMode(producer: string, uniqueKey?: readonly string[]): ChangelogMode {
  return { kinds: ["+I", "-U", "+U", "-D"], producer, uniqueKey };
}

/**
 * A retracting changelog that never deletes: `+I`, `-U` and `+U` (Flink's `[I,UB,UA]`, that of a
 * window aggregation with early or late firing), `uniqueKey` as in {@link retractMode}.
 */
export function noDeleteMode(producer: string, uniqueKey?: readonly string[]): ChangelogMode {
  return { kinds: ["+I", "-U", "+U"], producer, uniqueKey };
}

/** An upsert changelog (no `-U`): `+I`, `+U` and `-D` by `uniqueKey` (Flink's ChangelogMode.upsert()). */
export function upsertMode(producer: string, uniqueKey: readonly string[]): ChangelogMode {
  return { kinds: ["+I", "+U", "-D"], producer, uniqueKey };
}

/**
 * What stops the `-U` rows of a stream where they are made (see {@link requestUpdateAfterOnly}):
 * `drop` at a group aggregation's own stream, or the stream a projection of it maps.
 */
type UpdateBeforeSource = { readonly drop: () => void } | { readonly input: DataStream<Row> };

const updateBeforeSources = new WeakMap<DataStream<Row>, UpdateBeforeSource>();

/**
 * Registers how the `-U` rows of `stream` can be stopped: `drop` (a group aggregation without
 * HAVING: it then sends `+U` alone, its mode without `-U`), or `input` (a projection without a
 * filter of that stream: it passes on what its input sends, as Flink's Calc without a condition).
 */
export function offerUpdateAfterOnly(stream: DataStream<Row>, source: UpdateBeforeSource): void {
  updateBeforeSources.set(stream, source);
}

/**
 * For a consumer of `stream` that needs no `-U` rows (Flink's ONLY_UPDATE_AFTER: an upsert sink
 * keyed as the rows are, blackhole, the root of EXPLAIN's query): stops them where they are made
 * when nothing else reads the streams between (a filter or a second reader needs them, as in
 * Flink), and returns whether it did; the producer's mode then lacks `-U`. Called before the
 * consumer reads `stream`, after the query is planned.
 */
export function requestUpdateAfterOnly(stream: DataStream<Row>): boolean {
  // How many operators read the stream's node (-1: a union of several nodes, never stopped).
  const readers = (s: DataStream<Row>) => {
    const [only, ...more] = s.inputs;
    return only === undefined || more.length > 0 ? -1 : s.env.graph.outputsOf(only.node.id).length;
  };
  if (readers(stream) !== 0) return false;
  let at = stream;
  for (;;) {
    const source = updateBeforeSources.get(at);
    if (source === undefined) return false;
    if ("drop" in source) {
      source.drop();
      return true;
    }
    if (readers(source.input) !== 1) return false;
    at = source.input;
  }
}

/** Whether a relation with `mode` only inserts. */
export function isInsertOnly(mode: ChangelogMode): boolean {
  return mode.kinds.every((k) => k === "+I");
}

/** Whether `mode` has update-before rows (`-U`). */
export function hasUpdateBefore(mode: ChangelogMode): boolean {
  return mode.kinds.includes("-U");
}

/** The mode of a union: the kinds of both; the producer of the first updating side; no unique key. */
export function unionMode(a: ChangelogMode, b: ChangelogMode): ChangelogMode {
  if (isInsertOnly(a) && isInsertOnly(b)) return INSERT_ONLY;
  const kinds = ROW_KINDS.filter((k) => a.kinds.includes(k) || b.kinds.includes(k));
  return { kinds, producer: isInsertOnly(a) ? b.producer : a.producer };
}

/** `[+I, -U, +U, -D]` as Flink prints a ChangelogMode. */
export function describeMode(mode: ChangelogMode): string {
  return `[${mode.kinds.join(", ")}]`;
}

/** JSON.stringify's replacer that writes -0 apart from 0 (as a string no value is likely to be). */
const signedZero = (_key: string, v: unknown) => (Object.is(v, -0) ? "\u0000-0" : v);

/**
 * Applies a changelog to a table: the rows left after every change of `changes`, in the order
 * they were first inserted (a multiset: equal rows count). A `-U` or `-D` removes one equal row
 * (the kind aside); one with no equal row is an error, naming it, as a changelog that retracts
 * what it never emitted is broken. Rows are equal as Java's Row.equals has them: -0.0 is not 0.0
 * (two groups of a `GROUP BY` a DOUBLE, each retracting its own row).
 */
export function materialize(changes: Iterable<Row>): Row[] {
  const table: { text: string; row: Row }[] = [];
  for (const change of changes) {
    const kind = rowKind(change);
    const row: Row = { ...change };
    delete row[ROW_KIND];
    const text = jsonWithLongs(row, signedZero) as string;
    if (isAccumulate(kind)) table.push({ text, row });
    else {
      const at = table.findIndex((r) => r.text === text);
      if (at < 0) throw new Error(`the changelog retracts ${kind}${text}, which it never emitted`);
      table.splice(at, 1);
    }
  }
  return table.map((r) => r.row);
}
