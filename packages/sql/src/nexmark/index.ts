/**
 * The Nexmark event generator (`@fleuve/sql/nexmark`): the bounded, deterministic stream of
 * people, auctions and bids that the `nexmark` connector reads and bench/nexmark measures with.
 * It lives here, not in bench/, so that the connector does not depend on the benchmark.
 */
export * from "./config.js";
export { eventRow, nexmarkConfig, nexmarkConnector, parseMemorySize } from "./connector.js";
export type * from "./events.js";
export * from "./generator.js";
export * from "./rng.js";
export * from "./strings.js";
