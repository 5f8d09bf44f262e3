// TypeScript functions for examples/sql/udf.sql (`CREATE FUNCTION ... AS './udfs.ts#name'`).
import { tableFunction } from "@fleuve/sql";

// Nexmark q14's count_char, as bench/nexmark runs it.
export { countChar } from "../../bench/nexmark/sql/count-char.js";

/** The words of a sentence, one row each with its length. */
export const words = tableFunction({
  columns: ["word STRING", "len INT"],
  *eval(sentence: string | null) {
    for (const w of (sentence ?? "").split(" ")) if (w !== "") yield [w, w.length];
  },
});
