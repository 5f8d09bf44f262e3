/**
 * Flink 1.20's URL_ENCODE, URL_DECODE (UrlEncodeFunction, UrlDecodeFunction: java.net.URLEncoder
 * and URLDecoder in UTF-8), ENCODE and DECODE (a string to and from the bytes of a character set,
 * as Java's String.getBytes and new String(bytes, charset)). They join {@link SCALAR_FUNCTIONS}.
 */

import { BINARY_TYPES } from "./common-type.js";
import { atomic } from "./data-types.js";
import type { ScalarFunction } from "./scalar-functions.js";
import { checked, expect, STRING_TYPES } from "./string-collection-functions.js";

const STRING = atomic("STRING");
const BYTES = atomic("BYTES");

/** The characters URLEncoder leaves as they are. */
const UNRESERVED = /^[A-Za-z0-9.\-*_]$/;

/** A UTF-16 code unit of a surrogate pair that has no partner. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `s` with each lone surrogate as `by`: what Java's encoders write for one (`?` in UTF-8 and
 * the sets that lack the character, U+FFFD in UTF-16), as Node's would write U+FFFD or the raw unit.
 */
function withoutLoneSurrogates(s: string, by: string): string {
  return s.replace(LONE_SURROGATE, by);
}

/**
 * java.net.URLEncoder.encode(s, UTF-8): letters, digits and `.-*_` kept, a space as `+`, every
 * other character as `%XY` per byte of its UTF-8 form (a lone surrogate as `?`, as Java's
 * encoder replaces it).
 */
export function urlEncode(s: string): string {
  let out = "";
  for (const ch of withoutLoneSurrogates(s, "?")) {
    if (UNRESERVED.test(ch)) out += ch;
    else if (ch === " ") out += "+";
    else for (const b of Buffer.from(ch, "utf8")) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * java.net.URLDecoder.decode(s, UTF-8): `+` as a space, runs of `%XY` as the UTF-8 text of their
 * bytes (malformed bytes as U+FFFD); NULL where Java throws (an incomplete `%` escape or one that
 * is not hexadecimal), as UrlDecodeFunction returns NULL then.
 */
export function urlDecode(s: string): string | null {
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i] as string;
    if (c === "+") {
      out += " ";
      i++;
    } else if (c === "%") {
      const bytes: number[] = [];
      while (i + 2 < s.length && s[i] === "%") {
        const hex = s.slice(i + 1, i + 3);
        // Integer.parseInt(hex, 16): a sign is allowed, a negative value URLDecoder refuses.
        if (!/^[+-]?[0-9A-Fa-f]+$/.test(hex)) return null;
        const v = Number.parseInt(hex, 16);
        if (v < 0) return null;
        bytes.push(v);
        i += 3;
      }
      // An incomplete trailing escape ("%" or "%x"): URLDecoder throws.
      if (i < s.length && s[i] === "%") return null;
      out += new TextDecoder("utf-8", { ignoreBOM: true }).decode(Uint8Array.from(bytes));
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** A character set Java knows by the name ENCODE and DECODE take (case-insensitive), as Node's name. */
const CHARSETS: ReadonlyMap<string, string> = new Map([
  ["US-ASCII", "US-ASCII"],
  ["ASCII", "US-ASCII"],
  ["ISO-8859-1", "ISO-8859-1"],
  ["ISO8859_1", "ISO-8859-1"],
  ["LATIN1", "ISO-8859-1"],
  ["UTF-8", "UTF-8"],
  ["UTF8", "UTF-8"],
  ["UTF-16BE", "UTF-16BE"],
  ["UTF-16LE", "UTF-16LE"],
  ["UTF-16", "UTF-16"],
]);

/** The character set named `name`; an error naming it and the function when Java knows no such one. */
function charset(fn: string, name: string): string {
  const c = CHARSETS.get(name.toUpperCase());
  if (c === undefined)
    throw new Error(
      `${fn}: unsupported character set '${name}' (use US-ASCII, ISO-8859-1, UTF-8, UTF-16BE, UTF-16LE or UTF-16)`,
    );
  return c;
}

/** UTF-16 code units of `s` as big-endian bytes. */
function utf16be(s: string): Buffer {
  const b = Buffer.from(s, "utf16le");
  b.swap16();
  return b;
}

/**
 * String.getBytes(charset): a character the set lacks as `?` (US-ASCII, ISO-8859-1), a lone
 * surrogate as `?` in UTF-8 (String.encodeUTF8) and as U+FFFD in UTF-16 (UnicodeEncoder's
 * replacement); UTF-16 is big-endian after a byte-order mark FE FF, as Java writes it.
 */
export function encodeText(fn: string, text: string, name: string): Buffer {
  const set = charset(fn, name);
  const s = withoutLoneSurrogates(text, set.startsWith("UTF-16") ? "\uFFFD" : "?");
  switch (set) {
    case "US-ASCII":
      return Buffer.from(
        [...s].map((ch) => ((ch.codePointAt(0) as number) < 0x80 ? ch : "?")).join(""),
        "latin1",
      );
    case "ISO-8859-1":
      return Buffer.from(
        [...s].map((ch) => ((ch.codePointAt(0) as number) <= 0xff ? ch : "?")).join(""),
        "latin1",
      );
    case "UTF-16BE":
      return utf16be(s);
    case "UTF-16LE":
      return Buffer.from(s, "utf16le");
    case "UTF-16":
      return Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(s)]);
    default:
      return Buffer.from(s, "utf8");
  }
}

/**
 * new String(bytes, charset): bytes the set cannot read as U+FFFD (US-ASCII's above 0x7F,
 * malformed UTF-8); UTF-16 reads a byte-order mark and is big-endian without one.
 */
export function decodeBytes(fn: string, b: Uint8Array, name: string): string {
  const c = charset(fn, name);
  switch (c) {
    case "US-ASCII":
      return [...b].map((x) => (x < 0x80 ? String.fromCharCode(x) : "\ufffd")).join("");
    case "ISO-8859-1":
      return Buffer.from(b).toString("latin1");
    case "UTF-16":
      if (b[0] === 0xff && b[1] === 0xfe) return new TextDecoder("utf-16le").decode(b.subarray(2));
      return new TextDecoder("utf-16be").decode(b[0] === 0xfe && b[1] === 0xff ? b.subarray(2) : b);
    case "UTF-16BE":
      return new TextDecoder("utf-16be", { ignoreBOM: true }).decode(b);
    case "UTF-16LE":
      return new TextDecoder("utf-16le", { ignoreBOM: true }).decode(b);
    default:
      return new TextDecoder("utf-8", { ignoreBOM: true }).decode(b);
  }
}

/** The functions of this module by upper-case name, for {@link SCALAR_FUNCTIONS}. */
export const ENCODING_FUNCTIONS: ReadonlyArray<readonly [string, ScalarFunction]> = [
  [
    "URL_ENCODE",
    checked(
      1,
      1,
      ([s]) => urlEncode(String(s)),
      (name, types, pos) => {
        expect(name, types, 0, STRING_TYPES, "a string", pos);
        return STRING;
      },
    ),
  ],
  [
    "URL_DECODE",
    checked(
      1,
      1,
      ([s]) => urlDecode(String(s)),
      (name, types, pos) => {
        expect(name, types, 0, STRING_TYPES, "a string", pos);
        return STRING;
      },
    ),
  ],
  [
    "ENCODE",
    checked(
      2,
      2,
      ([s, c]) => encodeText("ENCODE", String(s), String(c)),
      (name, types, pos) => {
        expect(name, types, 0, STRING_TYPES, "a string", pos);
        expect(name, types, 1, STRING_TYPES, "a string", pos);
        // Flink's ENCODE is typed BINARY (Calcite's explicit BINARY, so BINARY(1)) though its
        // bytes are all there; BYTES here, which holds them without a length.
        return BYTES;
      },
    ),
  ],
  [
    "DECODE",
    checked(
      2,
      2,
      ([b, c]) => decodeBytes("DECODE", b as Uint8Array, String(c)),
      (name, types, pos) => {
        // FlinkSqlOperatorTable.DECODE: operand families (BINARY, CHARACTER), no implicit cast.
        expect(name, types, 0, BINARY_TYPES, "a binary string", pos);
        expect(name, types, 1, STRING_TYPES, "a string", pos);
        return STRING;
      },
    ),
  ],
];
