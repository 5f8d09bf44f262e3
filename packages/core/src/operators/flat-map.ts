import { OneInputOperator } from "../spi/operator.js";

/** Emits zero or more records per input record. */
export class FlatMapOperator<IN, OUT> extends OneInputOperator<IN, OUT> {
  constructor(private readonly fn: (value: IN) => Iterable<OUT>) {
    super();
  }
  processElement(value: IN, timestamp: number): void {
    let out: Iterable<OUT>;
    try {
      out = this.fn(value);
      if (Array.isArray(out)) {
        for (let i = 0; i < out.length; i++) this.output.collect(out[i], timestamp);
      } else {
        for (const o of out) this.output.collect(o, timestamp);
      }
    } catch (e) {
      throw this.userError(e, value, timestamp);
    }
  }
}
