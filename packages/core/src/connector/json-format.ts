/**
 * Reading Flink's `json` format (JsonRowDataDeserializationSchema with its JsonToRowDataConverters):
 * one JSON object's text -> one row, each column the object's member of its name. Files (the
 * `filesystem` connector, a line each) and record values (SQL tables on `log`/`kafka`) share it, so
 * a value that does not fit its column is the same bad record wherever it is read.
 *
 * - Text that is not JSON, or JSON that is not an object, fails the record.
 * - A missing member (or `null`) is NULL, unless `fail-on-missing-field`: then a missing one fails.
 * - A member is converted to its column's type by {@link fieldConverter} (json): a value that does
 *   not convert (`"abc"` or an object for an INT, a timestamp text that is no date) fails the
 *   record, naming the field and the value.
 * - `ignore-parse-errors`: a field that does not convert is NULL and a record that does not parse
 *   is skipped, as Flink's (which sets the field NULL, and gives no row for the record).
 */

import type { CsvRowResult } from "./csv-format.js";
import { fieldConverter, INEXACT_LONG } from "./csv-format.js";
import type { ConnectorField } from "./descriptor.js";
import { jsonWithLongs, type Long, longOf, parseJsonWithLongs } from "./long.js";

/** The json format's reading options, as Flink's JsonFormatOptions. */
export interface JsonSettings {
  /** A field that does not convert is NULL, a record that does not parse is skipped. */
  readonly ignoreParseErrors: boolean;
  /** A member missing from the object fails the record instead of reading as NULL. */
  readonly failOnMissingField: boolean;
}

/**
 * The decoder of one JSON text into a row of `schema` (see the file's comment): the row, why the
 * record fails (the field named), or a skip (a record that does not parse, with
 * `ignore-parse-errors`). Date and time columns stay text (validated), which SQL converts.
 */
export function jsonLineDecoder(
  schema: readonly ConnectorField[],
  s: JsonSettings,
): (text: string) => CsvRowResult {
  const converters = schema.map((f) => ({ name: f.name, convert: fieldConverter(f, "json") }));
  const ignore = s.ignoreParseErrors;
  const failOnMissing = s.failOnMissingField && !ignore;
  const decode = (text: string, exact: boolean): CsvRowResult | typeof INEXACT_LONG => {
    let parsed: unknown;
    try {
      parsed = exact ? parseJsonWithLongs(text) : JSON.parse(text);
    } catch (e) {
      return ignore ? { skip: true } : { error: `not JSON: ${(e as Error).message}` };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
      return ignore ? { skip: true } : { error: "not a JSON object" };
    const object = parsed as Record<string, unknown>;
    const row: Record<string, unknown> = {};
    for (const c of converters) {
      // Own members only: a column named `constructor` is not Object.prototype's.
      const v = Object.hasOwn(object, c.name) ? object[c.name] : undefined;
      if (v === undefined && failOnMissing) return { error: `field '${c.name}' is missing` };
      if (v === undefined || v === null) {
        Object.defineProperty(row, c.name, {
          value: null,
          enumerable: true,
          writable: true,
          configurable: true,
        });
        continue;
      }
      let converted: unknown;
      try {
        converted = c.convert(v);
      } catch (e) {
        // A BIGINT past 2^53 that JSON.parse may have rounded: the record is read again exactly.
        if (e === INEXACT_LONG && !exact) return INEXACT_LONG;
        converted = e === INEXACT_LONG ? longOfDouble(v as number) : undefined;
        if (converted === undefined) {
          if (!ignore)
            return {
              error: `field '${c.name}': ${e === INEXACT_LONG ? `'${String(v)}' is not a BIGINT` : (e as Error).message}`,
            };
          converted = null;
        }
      }
      Object.defineProperty(row, c.name, {
        value: converted,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return { row };
  };
  return (text) => {
    const r = decode(text, false);
    return (r === INEXACT_LONG ? decode(text, true) : r) as CsvRowResult;
  };
}

/**
 * The long of a double past 2^53 that is no long token (`1.5e18`), as Jackson's asLong casts it
 * (Java's `(long) d`, the fraction dropped); undefined past the range of long, which Flink refuses.
 */
function longOfDouble(v: number): Long | undefined {
  if (!Number.isFinite(v) || Math.abs(v) >= 2 ** 63) return undefined;
  return longOf(BigInt(Math.trunc(v)));
}

/**
 * The replacer of {@link jsonText}: bytes (a Buffer, or a Uint8Array that crossed worker threads)
 * as base64 text. JSON.stringify has already applied Buffer's `toJSON` to `value`, so the original
 * is read from the holder.
 */
function bytesAsBase64(this: unknown, key: string, value: unknown): unknown {
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Uint8Array)
    return Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString("base64");
  return value;
}

/**
 * A value as the json format writes it: JSON text in which bytes, at any depth (a BYTES column, or
 * one in a ROW, ARRAY or MAP), are base64 text, as Flink's json format writes a byte[] (Jackson's
 * binary node), not Node's `{"type":"Buffer","data":[...]}`, and a BIGINT past 2^53 (a bigint) is its
 * exact digits, as Jackson writes a long. `undefined` writes as `null`.
 */
export function jsonText(value: unknown): string {
  return jsonWithLongs(value, bytesAsBase64) ?? "null";
}
