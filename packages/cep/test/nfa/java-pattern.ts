// Builds a @fleuve/cep pattern from the Java code of a Flink reference case (the small subset of
// Flink's Pattern API that bench/flink's ReferenceCases.java uses), so that each case runs here
// exactly as it ran in Flink. See fixtures/flink-reference/README.md for the vocabulary.
import {
  type AfterMatchSkipStrategy,
  type ConditionContext,
  noSkip,
  Pattern,
  skipPastLastEvent,
  skipToFirst,
  skipToLast,
  skipToNext,
} from "../../src/index.js";

/** A reference case's event. */
export interface Ev {
  id: string;
  type: string;
  value: number;
  ts: number;
}

type Token = { kind: "id" | "str" | "num" | "sym"; text: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) i++;
    else if (c === '"') {
      const end = src.indexOf('"', i + 1);
      out.push({ kind: "str", text: src.slice(i + 1, end) });
      i = end + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))![0];
      out.push({ kind: "num", text: m });
      i += m.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      out.push({ kind: "id", text: m });
      i += m.length;
    } else if (
      src.startsWith("->", i) ||
      src.startsWith(">=", i) ||
      src.startsWith("<=", i) ||
      src.startsWith("==", i)
    ) {
      out.push({ kind: "sym", text: src.slice(i, i + 2) });
      i += 2;
    } else {
      out.push({ kind: "sym", text: c });
      i++;
    }
  }
  return out;
}

const typeIs =
  (...types: string[]) =>
  (e: Ev) =>
    types.includes(e.type);

const NAMESPACES: Record<string, Record<string, (...args: any[]) => unknown>> = {
  Pattern: { begin: (a: any, skip?: AfterMatchSkipStrategy) => Pattern.begin<Ev>(a, skip) },
  AfterMatchSkipStrategy: { noSkip, skipToNext, skipPastLastEvent, skipToFirst, skipToLast },
  SimpleCondition: { of: (f: unknown) => f },
  WithinType: {},
};
const FUNCTIONS: Record<string, (...args: any[]) => unknown> = {
  type: typeIs,
  ms: (n: number) => n,
  typeAndSumBelow: (type: string, step: string, limit: number) => (e: Ev, ctx: ConditionContext<any>) => {
    if (e.type !== type) return false;
    let sum = e.value;
    for (const prev of ctx.eventsOf(step) as Ev[]) sum += prev.value;
    return sum < limit;
  },
};

/** Evaluates the Java pattern expression of a reference case. */
export function javaPattern(src: string): Pattern<Ev, any, any, any> {
  const toks = tokenize(src);
  let pos = 0;
  const peek = (k = 0) => toks[pos + k];
  const expect = (text: string) => {
    const t = toks[pos++];
    if (t?.text !== text)
      throw new Error(`java pattern: expected ${text} at token ${pos - 1}, got ${t?.text}`);
  };
  const skipGenerics = () => {
    if (peek()?.text === "<") {
      while (toks[pos++]!.text !== ">");
    }
  };
  const args = (): unknown[] => {
    expect("(");
    const list: unknown[] = [];
    while (peek()?.text !== ")") {
      list.push(expr());
      if (peek()?.text === ",") pos++;
    }
    expect(")");
    return list;
  };
  const lambda = (param: string): ((e: Ev) => boolean) => {
    // e -> e.field OP number
    expect(param);
    expect(".");
    const field = toks[pos++]!.text as keyof Ev;
    const op = toks[pos++]!.text;
    const n = Number(toks[pos++]!.text);
    return (e: Ev) => {
      const v = e[field] as number;
      return op === ">" ? v > n : op === "<" ? v < n : op === ">=" ? v >= n : op === "<=" ? v <= n : v === n;
    };
  };
  const callOn = (receiver: unknown, name: string, list: unknown[]): unknown => {
    if (receiver instanceof Pattern) {
      if (name === "within" && list.length === 2) return receiver.within(list[0] as number, list[1] as never);
      return (receiver as any)[name](...list);
    }
    if (name === "throwExceptionOnMiss") {
      const s = receiver as AfterMatchSkipStrategy;
      return s.kind === "SKIP_TO_FIRST"
        ? skipToFirst(s.stepName!, { throwOnMiss: true })
        : skipToLast(s.stepName!, { throwOnMiss: true });
    }
    throw new Error(`java pattern: unknown method ${name}`);
  };
  const primary = (): unknown => {
    const t = toks[pos]!;
    if (t.kind === "str" || t.kind === "num") {
      pos++;
      return t.kind === "str" ? t.text : Number(t.text);
    }
    if (t.kind === "id" && peek(1)?.text === "->") {
      pos += 2;
      return lambda(t.text);
    }
    if (t.kind === "id") {
      pos++;
      const ns = NAMESPACES[t.text];
      if (ns !== undefined) {
        expect(".");
        skipGenerics();
        const member = toks[pos++]!.text;
        if (t.text === "WithinType") return member;
        return ns[member]!(...args());
      }
      const fn = FUNCTIONS[t.text];
      if (fn === undefined) throw new Error(`java pattern: unknown function ${t.text}`);
      return fn(...args());
    }
    throw new Error(`java pattern: unexpected ${t.text}`);
  };
  function expr(): unknown {
    let value = primary();
    while (peek()?.text === ".") {
      pos++;
      skipGenerics();
      const name = toks[pos++]!.text;
      value = callOn(value, name, args());
    }
    return value;
  }
  const result = expr();
  if (pos !== toks.length) throw new Error(`java pattern: trailing tokens from ${pos}`);
  return result as Pattern<Ev, any, any, any>;
}
