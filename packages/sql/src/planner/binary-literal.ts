/**
 * X'0aFF', Flink's binary string literal: BINARY(n) NOT NULL of n bytes, held as BYTES values are
 * (a Uint8Array).
 */

import type { DataType } from "../parser/ast.js";
import { atomic } from "./data-types.js";
import { invalid } from "./problems.js";

/**
 * The bytes and type of a binary string literal, from the text between its quotes. Calcite allows
 * white space between the hex digits; an odd count of digits or any other character is refused
 * with Calcite's messages (bench/flink: X'0' and X'zz').
 */
export function binaryLiteral(text: string): { readonly value: Uint8Array; readonly type: DataType } {
  const hex = text.replace(/\s+/g, "");
  if (!/^[0-9a-fA-F]*$/.test(hex)) {
    throw invalid(`X'${text}': Binary literal string must contain only characters '0' - '9', 'A' - 'F'`);
  }
  if (hex.length % 2 !== 0) {
    throw invalid(`X'${text}': Binary literal string must contain an even number of hexits`);
  }
  const value = new Uint8Array(hex.length / 2);
  for (let i = 0; i < value.length; i++) value[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return { value, type: atomic("BINARY", [value.length], true) };
}
