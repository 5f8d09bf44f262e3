import { OneInputOperator } from "../spi/operator.js";

/** Keeps the records for which the predicate is true. */
export class FilterOperator<T> extends OneInputOperator<T, T> {
  constructor(private readonly predicate: (value: T) => boolean) {
    super();
  }
  processElement(value: T, timestamp: number): void {
    let keep: boolean;
    try {
      keep = this.predicate(value);
    } catch (e) {
      throw this.userError(e, value, timestamp);
    }
    if (keep) this.output.collect(value, timestamp);
  }
}
