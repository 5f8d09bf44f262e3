/**
 * Value encoding in LMDB: numbers, strings, booleans and null take a one-byte tag and their
 * bytes (no serializer object per value, the common case of counters and sums); everything else
 * is v8.serialize (Maps, Sets, Dates, bigints, nested objects), as in checkpoints.
 */
import { deserialize, serialize } from "node:v8";

const NUMBER = 1;
const STRING = 2;
const TRUE = 3;
const FALSE = 4;
const NULL = 5;
const V8 = 6;

/** Bytes of a state entry. */
export function encodeValue(v: unknown): Buffer {
  switch (typeof v) {
    case "number": {
      const b = Buffer.allocUnsafe(9);
      b[0] = NUMBER;
      b.writeDoubleLE(v, 1);
      return b;
    }
    case "string": {
      const b = Buffer.allocUnsafe(1 + Buffer.byteLength(v, "utf8"));
      b[0] = STRING;
      b.write(v, 1, "utf8");
      return b;
    }
    case "boolean":
      return Buffer.from([v ? TRUE : FALSE]);
    default: {
      if (v === null) return Buffer.from([NULL]);
      const s = serialize(v);
      const b = Buffer.allocUnsafe(1 + s.length);
      b[0] = V8;
      s.copy(b, 1);
      return b;
    }
  }
}

/** The entry encoded in `b`. */
export function decodeValue(b: Uint8Array): unknown {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  switch (buf[0]) {
    case NUMBER:
      return buf.readDoubleLE(1);
    case STRING:
      return buf.toString("utf8", 1);
    case TRUE:
      return true;
    case FALSE:
      return false;
    case NULL:
      return null;
    default:
      return deserialize(buf.subarray(1));
  }
}
