/**
 * Flink's `raw` format (RawFormatFactory, RawFormatDeserializationSchema,
 * RawFormatSerializationSchema), for a record's value (`'format' = 'raw'`) and its key
 * (`'key.format' = 'raw'`): one physical column whose value is the record's bytes. Text columns
 * (CHAR, VARCHAR, STRING) are the text in `raw.charset` (UTF-8 by default), BINARY/VARBINARY/BYTES
 * the bytes as they are, BOOLEAN one byte (0 is false), TINYINT one byte, SMALLINT, INT, BIGINT,
 * FLOAT and DOUBLE their 2, 4 or 8 bytes in `raw.endianness` (big-endian by default). A null
 * record (a Kafka tombstone) is NULL and a NULL is a null record; numeric bytes of another length
 * fail the record, with Flink's message.
 */

import { longOf, type OptionSpecs } from "@fleuve/core";
import type { DataType } from "../parser/ast.js";
import { printType } from "../parser/printer.js";
import { invalid } from "../planner/problems.js";
import { parseFormatOptions } from "./format-options.js";

/** The raw format's options (without their `raw.` prefix), as Flink's RawFormatOptions. */
const RAW_OPTIONS = {
  charset: {
    type: "string",
    default: "UTF-8",
    doc: "The charset of a text column's bytes.",
  },
  endianness: {
    type: "string",
    default: "big-endian",
    doc: "The byte order of a numeric column: big-endian or little-endian.",
  },
} as const satisfies OptionSpecs;

/** A text charset the raw format encodes and decodes (Java's names; the others are refused). */
type Charset = "UTF-8" | "US-ASCII" | "ISO-8859-1" | "UTF-16BE" | "UTF-16LE";

/** Java's charset names and aliases (case-insensitive) of the charsets supported here. */
const CHARSETS: Record<string, Charset> = {
  "utf-8": "UTF-8",
  utf8: "UTF-8",
  "us-ascii": "US-ASCII",
  ascii: "US-ASCII",
  "iso-8859-1": "ISO-8859-1",
  iso8859_1: "ISO-8859-1",
  latin1: "ISO-8859-1",
  "utf-16be": "UTF-16BE",
  unicodebigunmarked: "UTF-16BE",
  "utf-16le": "UTF-16LE",
  unicodelittleunmarked: "UTF-16LE",
};

/** How a raw column's bytes are read and written (plain data: it is part of a table's layout). */
export interface RawSettings {
  readonly charset: Charset;
  readonly bigEndian: boolean;
}

const TEXT = ["STRING", "VARCHAR", "CHAR"];
const BINARY = ["BYTES", "VARBINARY", "BINARY"];
const SIZES: Record<string, number> = {
  BOOLEAN: 1,
  TINYINT: 1,
  SMALLINT: 2,
  INT: 4,
  BIGINT: 8,
  FLOAT: 4,
  DOUBLE: 8,
};

/** The name of an atomic type, undefined for others. */
const atomicName = (t: DataType) => (t.kind === "atomic" ? t.name : undefined);

/**
 * The raw settings of options `own` (their names without `<prefix>`, e.g. `raw.` or `key.raw.`)
 * for `columns` (the value's, or the key's), validated with Flink's messages: one column, of a
 * type raw holds, a charset and an endianness Flink knows. `where` names the table in errors.
 */
export function rawSettings(
  table: string,
  own: Record<string, string>,
  prefix: string,
  columns: readonly { readonly name: string; readonly type: DataType }[],
  what: string,
): RawSettings {
  const fail = (message: string, option: string) =>
    invalid(`table ${table}: ${message}`, undefined, { table, option });
  const o = parseFormatOptions(table, "raw", RAW_OPTIONS, own, prefix);
  if (columns.length !== 1)
    throw fail(
      `The 'raw' format only supports single physical column. However the defined schema contains multiple physical columns: [${columns.map((c) => `\`${c.name}\` ${printType(c.type)}`).join(", ")}] (${what})`,
      prefix === "key.raw." ? "key.fields" : "format",
    );
  const only = columns[0] as { name: string; type: DataType };
  const name = atomicName(only.type);
  if (name === undefined || !(TEXT.includes(name) || BINARY.includes(name) || SIZES[name] !== undefined))
    throw fail(
      `The 'raw' format doesn't supports '${printType(only.type)}' as column type (column ${only.name}; raw holds CHAR, VARCHAR, STRING, BINARY, VARBINARY, BYTES, BOOLEAN, TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE).`,
      prefix === "key.raw." ? "key.format" : "format",
    );
  const charset = CHARSETS[o.charset.toLowerCase()];
  if (charset === undefined)
    throw fail(
      `Unsupported '${prefix}charset' name: ${o.charset}. (Fleuve reads and writes ${[...new Set(Object.values(CHARSETS))].join(", ")})`,
      `${prefix}charset`,
    );
  const endianness = o.endianness.toLowerCase();
  if (endianness !== "big-endian" && endianness !== "little-endian")
    throw fail(
      `Unsupported endianness name: ${o.endianness}. Valid values of '${prefix}endianness' option are 'big-endian' and 'little-endian'.`,
      `${prefix}endianness`,
    );
  return { charset, bigEndian: endianness === "big-endian" };
}

/** The bytes of a record's key or value as a Buffer (a Uint8Array that crossed threads is viewed, not copied). */
function bufferOf(b: Uint8Array | string): Buffer {
  if (typeof b === "string") return Buffer.from(b, "utf8");
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Text of `b` in `charset`, as Java's `new String(bytes, charset)` (unmappable bytes are U+FFFD). */
function decodeText(b: Buffer, charset: Charset): string {
  switch (charset) {
    case "UTF-8":
      return b.toString("utf8");
    case "ISO-8859-1":
      return b.toString("latin1");
    case "US-ASCII": {
      let s = "";
      for (const x of b) s += x < 0x80 ? String.fromCharCode(x) : "\uFFFD";
      return s;
    }
    case "UTF-16LE":
      return b.subarray(0, b.length - (b.length % 2)).toString("utf16le") + (b.length % 2 ? "\uFFFD" : "");
    case "UTF-16BE": {
      const even = Buffer.from(b.subarray(0, b.length - (b.length % 2)));
      return even.swap16().toString("utf16le") + (b.length % 2 ? "\uFFFD" : "");
    }
  }
}

/** Bytes of `s` in `charset`, as Java's `getBytes(charset)` (an unmappable character is `?`). */
function encodeText(s: string, charset: Charset): Buffer {
  switch (charset) {
    case "UTF-8":
      return Buffer.from(s, "utf8");
    case "ISO-8859-1":
    case "US-ASCII": {
      const max = charset === "US-ASCII" ? 0x7f : 0xff;
      const out: number[] = [];
      for (const c of s) {
        const code = c.codePointAt(0) as number;
        out.push(code <= max ? code : 0x3f);
      }
      return Buffer.from(out);
    }
    case "UTF-16LE":
      return Buffer.from(s, "utf16le");
    case "UTF-16BE":
      return Buffer.from(s, "utf16le").swap16();
  }
}

/** A raw column's decoder (bytes to the column's value) and encoder (value to bytes, NULL to null). */
export interface RawCodec {
  readonly decode: (bytes: Uint8Array | string | null) => unknown;
  readonly encode: (value: unknown) => Buffer | null;
}

/**
 * The codec of a raw column of type `type` (checked by {@link rawSettings}). `describe` names
 * the record in a decoding error (Flink's "Size of data received for deserializing INT type is not 4.").
 */
export function rawCodec(type: DataType, s: RawSettings): RawCodec {
  const name = atomicName(type) as string;
  if (TEXT.includes(name))
    return {
      decode: (b) => (b === null ? null : typeof b === "string" ? b : decodeText(bufferOf(b), s.charset)),
      encode: (v) => (v === null || v === undefined ? null : encodeText(String(v), s.charset)),
    };
  if (BINARY.includes(name))
    return {
      // A copy: the record's buffer may be reused by the reader.
      decode: (b) => (b === null ? null : Buffer.from(bufferOf(b))),
      encode: (v) =>
        v === null || v === undefined
          ? null
          : v instanceof Uint8Array
            ? bufferOf(v)
            : Buffer.from(String(v), "utf8"),
    };
  const size = SIZES[name] as number;
  const be = s.bigEndian;
  const read = (b: Buffer): unknown => {
    switch (name) {
      case "BOOLEAN":
        return b[0] !== 0;
      case "TINYINT":
        return b.readInt8(0);
      case "SMALLINT":
        return be ? b.readInt16BE(0) : b.readInt16LE(0);
      case "INT":
        return be ? b.readInt32BE(0) : b.readInt32LE(0);
      case "BIGINT": {
        // Exact over the long's range: a bigint past 2^53 (see @fleuve/core's long.ts).
        return longOf(be ? b.readBigInt64BE(0) : b.readBigInt64LE(0));
      }
      case "FLOAT":
        return be ? b.readFloatBE(0) : b.readFloatLE(0);
      default:
        return be ? b.readDoubleBE(0) : b.readDoubleLE(0);
    }
  };
  const write = (v: unknown): Buffer => {
    const b = Buffer.alloc(size);
    const n = typeof v === "boolean" ? (v ? 1 : 0) : Number(v);
    switch (name) {
      case "BOOLEAN":
        b[0] = v === true || (typeof v === "number" && v !== 0) ? 1 : 0;
        break;
      case "TINYINT":
        b.writeInt8(n, 0);
        break;
      case "SMALLINT":
        be ? b.writeInt16BE(n, 0) : b.writeInt16LE(n, 0);
        break;
      case "INT":
        be ? b.writeInt32BE(n, 0) : b.writeInt32LE(n, 0);
        break;
      case "BIGINT": {
        const big = typeof v === "bigint" ? v : BigInt(Math.trunc(n));
        be ? b.writeBigInt64BE(big, 0) : b.writeBigInt64LE(big, 0);
        break;
      }
      case "FLOAT":
        be ? b.writeFloatBE(n, 0) : b.writeFloatLE(n, 0);
        break;
      default:
        be ? b.writeDoubleBE(n, 0) : b.writeDoubleLE(n, 0);
    }
    return b;
  };
  return {
    decode: (raw) => {
      if (raw === null) return null;
      const b = bufferOf(raw);
      if (b.length !== size)
        throw new Error(`Size of data received for deserializing ${name} type is not ${size}.`);
      return read(b);
    },
    encode: (v) => (v === null || v === undefined ? null : write(v)),
  };
}
