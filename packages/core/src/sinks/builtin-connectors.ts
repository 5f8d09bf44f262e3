/**
 * The connectors `@fleuve/core` itself provides, as one list for `connectorsOf(...)`: `file`,
 * `filesystem`, `print`, `blackhole` and `datagen` (the last four are Flink's built-in SQL
 * connectors).
 */
import { datagenConnector } from "../connector/datagen-connector.js";
import { filesystemConnector } from "../connector/filesystem-connector.js";
import { fileConnector } from "./file-connector.js";
import { blackholeConnector, printConnector } from "./print-connector.js";

/** Every connector of `@fleuve/core`: file, filesystem, print, blackhole, datagen. */
export const builtinConnectors = [
  fileConnector,
  filesystemConnector,
  printConnector,
  blackholeConnector,
  datagenConnector,
] as const;
