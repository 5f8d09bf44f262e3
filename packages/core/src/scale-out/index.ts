/**
 * `@fleuve/core/scale-out`: what a deployment needs to run a job over several processes, as
 * `fleuve run --group` does over Kafka. Not for job authors. The core owns the protocol: how a job
 * is cut into units (unit-plan.ts), what travels over an exchange between units and how a receiver
 * combines its senders' watermarks, idleness and ends (exchange-protocol.ts), and where each owner
 * of a unit checkpoints (unit-epochs.ts), and how the units take a savepoint of the whole job
 * together (unit-savepoints.ts). A deployment supplies only the transport of exchange
 * messages (e.g. Kafka topics) and the membership (which process runs which unit).
 */

export type { SavepointPart, SavepointPartWritten } from "../runtime/checkpoint-coordinator.js";
export type { UnitJobMetrics } from "../runtime/unit-deployment.js";
export {
  DEFAULT_MAX_HELD,
  decodeExchangeMessage,
  type ExchangeMessage,
  ExchangeMessageKind,
  ExchangeReceiver,
  type ExchangeReceiverOptions,
  type ExchangeReceiverState,
  ExchangeSender,
  type ExchangeSenderOptions,
  type ExchangeTransport,
  encodeBarrier,
  encodeEnd,
  encodeIdle,
  encodeRecord,
  encodeWatermark,
  type SavepointBarrier,
} from "./exchange-protocol.js";
export {
  epochDir,
  epochsOf,
  ownerStorage,
  pruneEpochs,
  type TakenEpoch,
  takeEpoch,
} from "./unit-epochs.js";
export {
  checkGlobalCommitters,
  type Exchange,
  type ExchangeConnectors,
  exchangePartitioner,
  hasCompletedCheckpoint,
  type JobUnits,
  latestCheckpoint,
  operatorUids,
  planUnits,
  type RunUnitOptions,
  runUnit,
  type Unit,
  type UnitClient,
  unitGraph,
} from "./unit-plan.js";
export {
  jobSavepointLayout,
  type SavepointPartTaker,
  UnitSavepoints,
  type UnitSavepointsOptions,
  writeJobSavepointMetadata,
} from "./unit-savepoints.js";
