/** Builds the {@link RuntimeContext} user functions see, from an operator's runtime. */
import { FleuveError } from "../errors.js";
import type { RuntimeContext } from "../functions/functions.js";
import type { OperatorRuntime } from "../spi/operator.js";

/** The runtime context of one operator subtask. */
export function createRuntimeContext(rt: OperatorRuntime): RuntimeContext {
  return {
    operatorName: rt.operatorName,
    subtaskIndex: rt.subtaskIndex,
    parallelism: rt.parallelism,
    maxParallelism: rt.maxParallelism,
    getState(d: any): any {
      if (!rt.keyedState) {
        throw new FleuveError(
          "FLEUVE_STATE_INVALID",
          `operator '${rt.operatorName}': keyed state '${d?.name}' is only available on a keyed stream; call keyBy() before this operator`,
          { details: { operator: rt.operatorName, state: d?.name } },
        );
      }
      return rt.keyedState.getState(d);
    },
    getOperatorListState: (name) => rt.operatorState.getListState(name),
    getMetricGroup: () => rt.metrics.user,
  } as RuntimeContext;
}
