/** The Nexmark queries on Fleuve, by name (docs/nexmark.md; one file per query). */
import type { FleuveQuery } from "./common.js";
import { q0 } from "./q0.js";
import { q1 } from "./q1.js";
import { q2 } from "./q2.js";
import { q3 } from "./q3.js";
import { q4 } from "./q4.js";
import { q5 } from "./q5.js";
import { q7 } from "./q7.js";
import { q8 } from "./q8.js";
import { q9 } from "./q9.js";
import { q11 } from "./q11.js";
import { q12 } from "./q12.js";

export type { FleuveQuery } from "./common.js";

/** Every query Fleuve runs, in the order of the suite. */
export const FLEUVE_QUERIES = {
  q0,
  q1,
  q2,
  q3,
  q4,
  q5,
  q7,
  q8,
  q9,
  q11,
  q12,
} as const satisfies Record<string, FleuveQuery>;

/** A query name. */
export type FleuveQueryName = keyof typeof FLEUVE_QUERIES;

/** True when `name` is one of {@link FLEUVE_QUERIES}. */
export function isFleuveQuery(name: string): name is FleuveQueryName {
  return Object.hasOwn(FLEUVE_QUERIES, name);
}
