/**
 * `@fleuve/core/testing/suites`: test suites that every implementation of an engine seam must pass,
 * for packages that implement one outside core (a state backend, a connector, a checkpoint
 * storage). Each package runs them from its own tests, on its own implementation:
 *
 * - {@link keyedStateCases}: registers the keyed-state cases (per-key isolation of every state
 *   kind against a model, TTL, snapshot/restore into other parallelisms) for a state backend.
 * - {@link recoveryJob} with {@link recoveryOracle} and {@link FakeTransactionalStore}: a job with
 *   failures injected mid-run, checkpointing into a backend or a storage of your choice, whose
 *   committed output must be exact; {@link memoryCheckpointStorage} is a non-local storage.
 * - {@link connectorConformanceCases}: the connector conformance suite (bounded restore,
 *   exactly-once under SIGKILL, rescale, dead letters) for a connector descriptor and its topics.
 * - {@link crashEvent} / {@link crashOracle}: the input and exact output of a connector's crash job
 *   (SIGKILLed at random moments).
 *
 * ```ts
 * import { keyedStateCases } from "@fleuve/core/testing/suites";
 * keyedStateCases({ stateBackend: myBackendFactory });
 * ```
 * The keyed-state cases use fast-check (an optional peer dependency of @fleuve/core: install it).
 * @packageDocumentation
 */

export { reportCheckpoints } from "./conformance-job.js";
export {
  type ConformanceCase,
  type ConformanceOptions,
  type ConformanceRecord,
  type ConformanceTarget,
  connectorConformanceCases,
  type Gate,
  heldSource,
  type KillPoint,
  runKilledAt,
  type StoredDeadLetter,
} from "./connector-conformance.js";
export { crashEvent, crashOracle } from "./crash-oracle.js";
export { keyedStateCases } from "./keyed-state.js";
export {
  FakeTransactionalStore,
  memoryCheckpointStorage,
  type RecoveryEvent,
  recoveryEvent,
  recoveryJob,
  recoveryOracle,
} from "./recovery-job.js";
