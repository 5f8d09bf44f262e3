import { OneInputOperator } from "../spi/operator.js";

/** Applies a function to every record. */
export class MapOperator<IN, OUT> extends OneInputOperator<IN, OUT> {
  constructor(private readonly fn: (value: IN) => OUT) {
    super();
  }
  processElement(value: IN, timestamp: number): void {
    let out: OUT;
    try {
      out = this.fn(value);
    } catch (e) {
      throw this.userError(e, value, timestamp);
    }
    this.output.collect(out, timestamp);
  }
}
