/** Names a side output of a given element type (Flink's `OutputTag`). */
export class OutputTag<T> {
  /** @internal phantom field carrying the element type */
  declare readonly __type?: T;
  constructor(readonly id: string) {
    if (typeof id !== "string" || id.length === 0) throw new TypeError("OutputTag needs a non-empty id");
  }
  toString(): string {
    return `OutputTag(${this.id})`;
  }
}
