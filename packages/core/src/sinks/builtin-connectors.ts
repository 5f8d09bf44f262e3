/**
 * The connectors `@fleuve/core` itself provides, as one list for `connectorsOf(...)`: `file`,
 * `print`, `blackhole` and `datagen` (the last three are Flink's built-in SQL connectors).
 */
import { datagenConnector } from "../connector/datagen-connector.js";
import { fileConnector } from "./file-connector.js";
import { blackholeConnector, printConnector } from "./print-connector.js";

/** Every connector of `@fleuve/core`: file, print, blackhole, datagen. */
export const builtinConnectors = [
  fileConnector,
  printConnector,
  blackholeConnector,
  datagenConnector,
] as const;
