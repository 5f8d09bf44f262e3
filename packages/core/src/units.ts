/**
 * `@fleuve/core/units`: the pieces a connector needs to run a job over several processes (see
 * runtime/units.ts). Not for job authors.
 */
export {
  type Exchange,
  type ExchangeConnectors,
  exchangePartitioner,
  hasCompletedCheckpoint,
  type JobUnits,
  latestCheckpoint,
  planUnits,
  runUnit,
  type Unit,
  unitGraph,
} from "./runtime/units.js";
