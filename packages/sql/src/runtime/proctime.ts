/**
 * A processing-time attribute (`proc_time AS PROCTIME()`, or `PROCTIME()` in a select list): the
 * column gets the job's processing time when the row passes this operator. It reads the runtime's
 * clock rather than `Date.now()`, so a job given a manual clock (tests) sees that clock.
 */

import { OneInputOperator } from "@fleuve/core/spi";
import { type Row, setColumn } from "../planner/values.js";

/**
 * Sets `column` of every row to the current processing time (epoch ms): in place, or on a copy
 * when the rows are the application's own objects (a DataStream table's records).
 */
export class ProctimeOperator extends OneInputOperator<Row, Row> {
  constructor(
    private readonly column: string,
    private readonly copy = false,
  ) {
    super();
  }

  processElement(row: Row, timestamp: number): void {
    const out = this.copy ? { ...row } : row;
    setColumn(out, this.column, this.runtime.processingTime.now());
    this.output.collect(out, timestamp);
  }
}
