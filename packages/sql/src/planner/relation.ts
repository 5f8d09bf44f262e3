/**
 * A planned relation: a stream of rows with its columns, the event-time attribute the stream's
 * record timestamps and watermarks follow, and the name it answers to in qualified column names.
 */

import type { DataStream } from "@fleuve/core";
import type { DataType, QualifiedName, SourcePos } from "../parser/ast.js";
import type { ChangelogMode } from "./changelog.js";
import type { Compiled, Scope } from "./compile-expression.js";
import { invalid } from "./problems.js";
import type { Row } from "./values.js";

/** One column of a relation. */
export interface Column {
  readonly name: string;
  readonly type?: DataType | undefined;
}

/** A planned relation. */
export interface Relation {
  readonly stream: DataStream<Row>;
  readonly columns: readonly Column[];
  /** The column whose values are the records' timestamps (a WATERMARK column), if any. */
  readonly rowtime?: string | undefined;
  /** The table name or alias qualified names may use (`o.price`). */
  readonly alias?: string | undefined;
  /**
   * The kinds of rows the stream carries (insert-only or updating) and, when updating, which
   * operator produces the updates. Rows carry their kind (see changelog.ts).
   */
  readonly changelog: ChangelogMode;
}

/** The scope of a relation's rows: columns by name, qualified by the relation's alias or not. */
export function rowScope(rel: Pick<Relation, "columns" | "alias">, what = "the input"): Scope<Row> {
  const byName = new Map(rel.columns.map((c) => [c.name, c]));
  return {
    column(name: QualifiedName, pos: SourcePos): Compiled<Row> {
      const parts = name.parts;
      let col: Column | undefined;
      if (parts.length === 1) col = byName.get(parts[0] as string);
      else if (parts.length === 2 && parts[0] === rel.alias) col = byName.get(parts[1] as string);
      if (col === undefined) {
        const known = rel.columns.map((c) => c.name).join(", ");
        throw invalid(`unknown column ${parts.join(".")}: ${what} has ${known}`, pos, {
          column: parts.join("."),
          columns: rel.columns.map((c) => c.name),
        });
      }
      const key = col.name;
      return { eval: (r) => r[key] ?? null, type: col.type };
    },
  };
}
