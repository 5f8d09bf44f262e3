/** The Nexmark generator for the Fleuve-vs-Flink benchmark (see docs/nexmark.md). */
export { DEFAULT_CONFIG, maxOutOfOrdernessMs, type NexmarkConfig, resolveConfig } from "./config.js";
export { parseEvent, renderEvent } from "./csv.js";
export type { Auction, Bid, NexmarkEvent, Person } from "./events.js";
export { NexmarkGenerator } from "./generator.js";
export { StreamHasher, streamHash } from "./hash.js";
