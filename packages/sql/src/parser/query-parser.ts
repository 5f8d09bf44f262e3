/**
 * The query rules of the Flink SQL grammar: WITH, set operations, SELECT, VALUES, FROM with joins,
 * temporal tables, table functions (window TVFs), GROUP BY with grouping sets, ORDER BY, LIMIT,
 * and MATCH_RECOGNIZE.
 */

import type {
  AfterMatchSkip,
  CommonTableExpr,
  Expr,
  GroupingElement,
  MatchRecognize,
  OrderItem,
  PatternTerm,
  Query,
  QueryBody,
  Select,
  SelectItem,
  SourcePos,
  TableAlias,
  TableRef,
  WindowSpec,
} from "./ast.js";
import { ExpressionParser, posOf, upper } from "./expression-parser.js";
import * as T from "./lexer.js";

/** Expression rules plus queries. */
export abstract class QueryParser extends ExpressionParser {
  /** `[WITH ...] body [ORDER BY ...] [LIMIT n | ALL] [OFFSET m [ROW | ROWS]] [FETCH FIRST | NEXT n ROW | ROWS ONLY]`. */
  protected query = this.RULE("query", (): Query => {
    const ctes =
      this.OPTION(() => {
        this.CONSUME(T.With);
        const list: CommonTableExpr[] = [];
        this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => list.push(this.SUBRULE(this.commonTableExpr)) });
        return list;
      }) ?? [];
    const body = this.SUBRULE(this.setExpression);
    const orderBy = this.OPTION2(() => this.SUBRULE(this.orderByClause)) ?? [];
    // Calcite's order (Parser.jj, OrderByLimitOpt): [LIMIT n | ALL] [OFFSET m [ROW | ROWS]]
    // [FETCH FIRST | NEXT n ROW | ROWS ONLY]; LIMIT ALL is no limit, and with both LIMIT and
    // FETCH, FETCH wins (as in Calcite).
    let limitPos: SourcePos | undefined;
    let offsetPos: SourcePos | undefined;
    let limit: Expr | undefined;
    this.OPTION3(() => {
      const pos = posOf(this.CONSUME(T.Limit));
      this.OR([
        { ALT: () => this.CONSUME(T.All) },
        {
          ALT: () => {
            limit = this.SUBRULE(this.expression);
            limitPos = pos;
          },
        },
      ]);
    });
    const offset = this.OPTION4(() => {
      offsetPos = posOf(this.CONSUME(T.Offset));
      const n = this.SUBRULE3(this.expression);
      this.OPTION5(() =>
        this.OR4([{ ALT: () => this.CONSUME2(T.Rows) }, { ALT: () => this.CONSUME2(T.Row) }]),
      );
      return n;
    });
    this.OPTION6(() => {
      const pos = posOf(this.CONSUME(T.Fetch));
      this.OR2([{ ALT: () => this.CONSUME(T.First) }, { ALT: () => this.CONSUME(T.Next) }]);
      limit = this.SUBRULE2(this.expression);
      limitPos = pos;
      this.OR3([{ ALT: () => this.CONSUME(T.Rows) }, { ALT: () => this.CONSUME(T.Row) }]);
      this.CONSUME(T.Only);
    });
    const q: { kind: "query"; with: CommonTableExpr[]; body: QueryBody; orderBy: OrderItem[] } & {
      limit?: Expr;
      limitPos?: SourcePos;
      offset?: Expr;
      offsetPos?: SourcePos;
    } = { kind: "query", with: ctes, body, orderBy };
    if (limit !== undefined) q.limit = limit;
    if (limitPos !== undefined) q.limitPos = limitPos;
    if (offset !== undefined) q.offset = offset;
    if (offsetPos !== undefined) q.offsetPos = offsetPos;
    return q;
  });

  protected queryThenParen = this.RULE("queryThenParen", (): void => {
    this.SUBRULE(this.query);
    this.CONSUME(T.RParen);
  });

  private commonTableExpr = this.RULE("commonTableExpr", (): CommonTableExpr => {
    const pos = posOf(this.LA(1));
    const name = this.SUBRULE(this.identifier);
    const columns = this.OPTION(() => this.SUBRULE(this.nameList)) ?? [];
    this.CONSUME(T.As);
    this.CONSUME(T.LParen);
    const query = this.SUBRULE(this.query);
    this.CONSUME(T.RParen);
    return { name, columns, query, pos };
  });

  /**
   * Query terms joined by UNION / INTERSECT / EXCEPT: INTERSECT binds tighter than UNION and
   * EXCEPT (as in Calcite and the SQL standard), each left to right.
   */
  private setExpression = this.RULE("setExpression", (): QueryBody => {
    const terms: QueryBody[] = [this.SUBRULE(this.queryTerm)];
    const ops: { op: "UNION" | "INTERSECT" | "EXCEPT"; all: boolean }[] = [];
    this.MANY(() => {
      const op = this.OR([
        { ALT: () => this.take(T.Union, "UNION" as const) },
        { ALT: () => this.take(T.Intersect, "INTERSECT" as const) },
        { ALT: () => this.take(T.Except, "EXCEPT" as const) },
      ]);
      let all = false;
      this.OPTION(() =>
        this.OR2([
          { ALT: () => (all = this.CONSUME(T.All) !== undefined) },
          { ALT: () => this.CONSUME(T.Distinct) },
        ]),
      );
      ops.push({ op, all });
      terms.push(this.SUBRULE2(this.queryTerm));
    });
    return setOperations(terms, ops);
  });

  private queryTerm = this.RULE("queryTerm", (): QueryBody => {
    return this.OR([
      { ALT: () => this.SUBRULE(this.select) },
      {
        ALT: () => {
          this.CONSUME(T.Values);
          return { kind: "values", rows: this.SUBRULE(this.expressionList) } as QueryBody;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          const query = this.SUBRULE(this.query);
          this.CONSUME(T.RParen);
          return { kind: "nested", query } as QueryBody;
        },
      },
    ]);
  });

  private select = this.RULE("select", (): Select => {
    const tok = this.CONSUME(T.Select);
    let distinct = false;
    this.OPTION(() =>
      this.OR([
        { ALT: () => (distinct = this.CONSUME(T.Distinct) !== undefined) },
        { ALT: () => this.CONSUME(T.All) },
      ]),
    );
    const items: SelectItem[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => items.push(this.SUBRULE(this.selectItem)) });
    const from = this.OPTION2(() => {
      this.CONSUME(T.From);
      return this.SUBRULE(this.fromClause);
    });
    const where = this.OPTION3(() => {
      this.CONSUME(T.Where);
      return this.SUBRULE(this.expression);
    });
    const groupBy =
      this.OPTION4(() => {
        this.CONSUME(T.Group);
        this.CONSUME(T.By);
        return this.SUBRULE(this.groupingElements);
      }) ?? [];
    const having = this.OPTION5(() => {
      this.CONSUME(T.Having);
      return this.SUBRULE2(this.expression);
    });
    const windows: { name: string; spec: WindowSpec }[] = [];
    this.OPTION6(() => {
      this.CONSUME(T.Window);
      this.AT_LEAST_ONE_SEP2({
        SEP: T.Comma,
        DEF: () => {
          const name = this.SUBRULE(this.identifier);
          this.CONSUME(T.As);
          this.CONSUME(T.LParen);
          const spec = this.SUBRULE(this.windowSpec);
          this.CONSUME(T.RParen);
          windows.push({ name, spec });
        },
      });
    });
    const s: Select & { from?: TableRef; where?: Expr; having?: Expr } = {
      kind: "select",
      distinct,
      items,
      groupBy,
      windows,
      pos: posOf(tok),
    };
    if (from !== undefined) s.from = from;
    if (where !== undefined) s.where = where;
    if (having !== undefined) s.having = having;
    return s;
  });

  /** `expr [[AS] alias]`. */
  private selectItem = this.RULE("selectItem", (): SelectItem => {
    const expr = this.SUBRULE(this.expression);
    const alias = this.OPTION(() => {
      this.OPTION2(() => this.CONSUME(T.As));
      return this.SUBRULE(this.identifier);
    });
    return alias === undefined ? { expr } : { expr, alias };
  });

  /** Table references joined by commas and JOINs, left-deep. */
  private fromClause = this.RULE("fromClause", (): TableRef => {
    let left = this.SUBRULE(this.tableRef);
    this.MANY(() => {
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.Comma);
            const right = this.SUBRULE2(this.tableRef);
            left = { kind: "join", type: "COMMA", natural: false, left, right };
          },
        },
        { ALT: () => (left = this.SUBRULE(this.joinRest, { ARGS: [left] })) },
      ]);
    });
    return left;
  });

  private joinRest = this.RULE("joinRest", (left: TableRef): TableRef => {
    const naturalToken = this.OPTION(() => this.CONSUME(T.Natural));
    const natural = naturalToken !== undefined;
    const type =
      this.OPTION2(() =>
        this.OR([
          { ALT: () => this.take(T.Inner, "INNER" as const) },
          { ALT: () => this.take(T.Cross, "CROSS" as const) },
          { ALT: () => this.outer(T.Left, "LEFT") },
          { ALT: () => this.outer(T.Right, "RIGHT") },
          { ALT: () => this.outer(T.Full, "FULL") },
        ]),
      ) ?? "INNER";
    this.CONSUME(T.Join);
    const right = this.SUBRULE(this.tableRef);
    const join: TableRef & { kind: "join" } & { on?: Expr; using?: string[]; commonPos?: SourcePos } = {
      kind: "join",
      type,
      natural,
      left,
      right,
      ...(naturalToken === undefined ? {} : { commonPos: posOf(naturalToken) }),
    };
    this.OPTION3(() =>
      this.OR2([
        {
          ALT: () => {
            this.CONSUME(T.On);
            join.on = this.SUBRULE(this.expression);
          },
        },
        {
          ALT: () => {
            join.commonPos = posOf(this.CONSUME(T.Using));
            join.using = this.SUBRULE(this.nameList);
          },
        },
      ]),
    );
    return join;
  });

  private outer<K extends "LEFT" | "RIGHT" | "FULL">(tok: typeof T.Left, kind: K): K {
    this.CONSUME(tok);
    // OPTION4: OPTION (index 0) of this rule is NATURAL; one index shares one lookahead.
    this.OPTION4(() => this.CONSUME(T.Outer));
    return kind;
  }

  /** One table reference: a primary, optionally with MATCH_RECOGNIZE, then an alias. */
  private tableRef = this.RULE("tableRef", (): TableRef => {
    let ref = this.SUBRULE(this.tablePrimary);
    this.OPTION(() => {
      const spec = this.SUBRULE(this.matchRecognize);
      ref = { kind: "matchRecognize", input: ref, spec };
    });
    const alias = this.OPTION2(() => this.SUBRULE(this.tableAlias));
    return (alias === undefined ? ref : { ...ref, alias }) as TableRef;
  });

  private tableAlias = this.RULE("tableAlias", (): TableAlias => {
    this.OPTION(() => this.CONSUME(T.As));
    const name = this.SUBRULE(this.identifier);
    const columns = this.OPTION2(() => this.SUBRULE(this.nameList)) ?? [];
    return { name, columns };
  });

  private tablePrimary = this.RULE("tablePrimary", (): TableRef => {
    return this.OR([
      {
        ALT: () => {
          const first = this.LA(1);
          const name = this.SUBRULE(this.qualifiedName);
          const systemTime = this.OPTION(() => {
            this.CONSUME(T.For);
            this.CONSUME(T.SystemTime);
            this.CONSUME(T.As);
            this.CONSUME(T.Of);
            return this.SUBRULE(this.expression);
          });
          return (
            systemTime === undefined
              ? { kind: "table", name, pos: posOf(first) }
              : { kind: "table", name, systemTime, pos: posOf(first) }
          ) as TableRef;
        },
      },
      {
        ALT: () => {
          const lateral = this.OPTION2(() => this.CONSUME(T.Lateral)) !== undefined;
          return this.OR2([
            {
              ALT: () => {
                this.CONSUME(T.Table);
                this.CONSUME(T.LParen);
                const fnTok = this.LA(1);
                const fnName = this.SUBRULE2(this.qualifiedName);
                const call = this.SUBRULE(this.callRest, {
                  ARGS: [upper(this.RECORDING_PHASE ? "" : fnName.parts.join(".")), posOf(fnTok)],
                }) as Expr & { kind: "call" };
                this.CONSUME(T.RParen);
                return { kind: "tableFunction", call, lateral } as TableRef;
              },
            },
            {
              ALT: () => {
                this.CONSUME2(T.LParen);
                const query = this.SUBRULE(this.query);
                this.CONSUME2(T.RParen);
                return { kind: "derived", query, lateral } as TableRef;
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Unnest);
          this.CONSUME3(T.LParen);
          const args = this.SUBRULE(this.expressionList);
          this.CONSUME3(T.RParen);
          return { kind: "unnest", args, withOrdinality: false } as TableRef;
        },
      },
    ]);
  });

  /** GROUP BY elements. */
  private groupingElements = this.RULE("groupingElements", (): GroupingElement[] => {
    const list: GroupingElement[] = [];
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => list.push(this.SUBRULE(this.groupingElement)) });
    return list;
  });

  private groupingElement = this.RULE("groupingElement", (): GroupingElement => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Grouping);
          this.CONSUME(T.Sets);
          return { kind: "groupingSets", elements: this.SUBRULE(this.parenElements) } as GroupingElement;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Rollup);
          return { kind: "rollup", elements: this.SUBRULE2(this.parenElements) } as GroupingElement;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Cube);
          return { kind: "cube", elements: this.SUBRULE3(this.parenElements) } as GroupingElement;
        },
      },
      {
        GATE: () => this.LA(1).tokenType === T.LParen && this.LA(2).tokenType === T.RParen,
        ALT: () => {
          this.CONSUME(T.LParen);
          this.CONSUME(T.RParen);
          return { kind: "empty" } as GroupingElement;
        },
      },
      {
        ALT: () => {
          const expr = this.SUBRULE(this.expression);
          // `(a, b)` parses as an implicit row: in GROUP BY it is a grouping set.
          return (
            expr.kind === "row" && !expr.explicit
              ? { kind: "set", exprs: expr.values }
              : { kind: "expr", expr }
          ) as GroupingElement;
        },
      },
    ]);
  });

  private parenElements = this.RULE("parenElements", (): GroupingElement[] => {
    this.CONSUME(T.LParen);
    const list = this.SUBRULE(this.groupingElements);
    this.CONSUME(T.RParen);
    return list;
  });

  // -------------------------------------------------------------------------------------------
  // MATCH_RECOGNIZE

  private matchRecognize = this.RULE("matchRecognize", (): MatchRecognize => {
    const pos = posOf(this.LA(1));
    this.CONSUME(T.MatchRecognize);
    this.CONSUME(T.LParen);
    const partitionBy =
      this.OPTION(() => {
        this.CONSUME(T.Partition);
        this.CONSUME(T.By);
        return this.SUBRULE(this.expressionList);
      }) ?? [];
    const orderBy = this.OPTION2(() => this.SUBRULE(this.orderByClause)) ?? [];
    const measures: SelectItem[] = [];
    this.OPTION3(() => {
      this.CONSUME(T.Measures);
      this.AT_LEAST_ONE_SEP({
        SEP: T.Comma,
        DEF: () => {
          const expr = this.SUBRULE(this.expression);
          this.CONSUME(T.As);
          measures.push({ expr, alias: this.SUBRULE(this.identifier) });
        },
      });
    });
    const rowsPerMatchPos = posOf(this.LA(1));
    const rowsPerMatch = this.OPTION4(() =>
      this.OR([
        {
          ALT: () => {
            this.CONSUME(T.One);
            this.CONSUME(T.Row);
            this.CONSUME(T.Per);
            this.CONSUME(T.Match);
            return "ONE ROW PER MATCH" as const;
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.All);
            this.CONSUME(T.Rows);
            this.CONSUME2(T.Per);
            this.CONSUME2(T.Match);
            return "ALL ROWS PER MATCH" as const;
          },
        },
      ]),
    );
    const afterMatch = this.OPTION5(() => this.SUBRULE(this.afterMatchSkip));
    const patternPos = posOf(this.LA(1));
    this.CONSUME(T.Pattern);
    this.CONSUME2(T.LParen);
    const pattern = this.SUBRULE(this.patternAlternation);
    this.CONSUME2(T.RParen);
    const within = this.OPTION6(() => {
      this.CONSUME(T.Within);
      return this.SUBRULE(this.intervalLiteral);
    });
    const subsets: { name: string; variables: string[] }[] = [];
    const subsetPos = posOf(this.LA(1));
    this.OPTION7(() => {
      this.CONSUME(T.Subset);
      this.AT_LEAST_ONE_SEP2({
        SEP: T.Comma,
        DEF: () => {
          const name = this.SUBRULE2(this.identifier);
          this.CONSUME(T.Equals);
          subsets.push({ name, variables: this.SUBRULE(this.nameList) });
        },
      });
    });
    this.CONSUME(T.Define);
    const define: { variable: string; condition: Expr; pos: SourcePos }[] = [];
    this.AT_LEAST_ONE_SEP3({
      SEP: T.Comma,
      DEF: () => {
        const pos = posOf(this.LA(1));
        const variable = this.SUBRULE3(this.identifier);
        this.CONSUME2(T.As);
        define.push({ variable, condition: this.SUBRULE2(this.expression), pos });
      },
    });
    this.CONSUME3(T.RParen);
    const mr: MatchRecognize & {
      rowsPerMatch?: "ONE ROW PER MATCH" | "ALL ROWS PER MATCH";
      afterMatch?: AfterMatchSkip;
      within?: Expr;
      rowsPerMatchPos?: SourcePos;
      subsetPos?: SourcePos;
    } = { partitionBy, orderBy, measures, pattern, subsets, define, pos, patternPos };
    if (rowsPerMatch !== undefined) {
      mr.rowsPerMatch = rowsPerMatch;
      mr.rowsPerMatchPos = rowsPerMatchPos;
    }
    if (subsets.length > 0) mr.subsetPos = subsetPos;
    if (afterMatch !== undefined) mr.afterMatch = afterMatch;
    if (within !== undefined) mr.within = within;
    return mr;
  });

  private afterMatchSkip = this.RULE("afterMatchSkip", (): AfterMatchSkip => {
    this.CONSUME(T.After);
    this.CONSUME(T.Match);
    this.CONSUME(T.Skip);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Past);
          this.CONSUME(T.Last);
          this.CONSUME(T.Row);
          return { kind: "pastLastRow" } as AfterMatchSkip;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.To);
          return this.OR2([
            {
              ALT: () => {
                this.CONSUME(T.Next);
                this.CONSUME2(T.Row);
                return { kind: "toNextRow" } as AfterMatchSkip;
              },
            },
            {
              GATE: () => this.isNameToken(2),
              ALT: () => {
                this.CONSUME(T.First);
                return { kind: "toFirst", variable: this.SUBRULE(this.identifier) } as AfterMatchSkip;
              },
            },
            {
              GATE: () => this.isNameToken(2),
              ALT: () => {
                this.CONSUME2(T.Last);
                return { kind: "toLast", variable: this.SUBRULE2(this.identifier) } as AfterMatchSkip;
              },
            },
            // `SKIP TO var` is `SKIP TO LAST var`.
            { ALT: () => ({ kind: "toLast", variable: this.SUBRULE3(this.identifier) }) as AfterMatchSkip },
          ]);
        },
      },
    ]);
  });

  /** Whether the token at lookahead `k` can be a name. */
  private isNameToken(k: number): boolean {
    const t = this.LA(k).tokenType;
    return (
      t === T.Identifier ||
      t === T.QuotedIdentifier ||
      (t.CATEGORIES ?? []).includes(T.NonReserved) ||
      t === T.NonReserved
    );
  }

  private patternAlternation = this.RULE("patternAlternation", (): PatternTerm => {
    const alternatives = [this.SUBRULE(this.patternSequence)];
    this.MANY(() => {
      this.CONSUME(T.Pipe);
      alternatives.push(this.SUBRULE2(this.patternSequence));
    });
    return alternatives.length === 1 ? alternatives[0] : { kind: "alternation", alternatives };
  });

  private patternSequence = this.RULE("patternSequence", (): PatternTerm => {
    const terms: PatternTerm[] = [];
    this.AT_LEAST_ONE(() => terms.push(this.SUBRULE(this.patternFactor)));
    return terms.length === 1 ? terms[0] : { kind: "sequence", terms };
  });

  private patternFactor = this.RULE("patternFactor", (): PatternTerm => {
    const term = this.OR([
      {
        // PERMUTE(A, B): parsed so that the planner can refuse it by name, as Flink does.
        GATE: () => this.LA(1).image.toUpperCase() === "PERMUTE" && this.LA(2).tokenType === T.LParen,
        ALT: () => {
          this.SUBRULE2(this.identifier);
          this.CONSUME2(T.LParen);
          const terms: PatternTerm[] = [];
          this.AT_LEAST_ONE_SEP({
            SEP: T.Comma,
            DEF: () => terms.push(this.SUBRULE2(this.patternAlternation)),
          });
          this.CONSUME2(T.RParen);
          return { kind: "permute", terms } as PatternTerm;
        },
      },
      { ALT: () => ({ kind: "variable", name: this.SUBRULE(this.identifier) }) as PatternTerm },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          const inner = this.SUBRULE(this.patternAlternation);
          this.CONSUME(T.RParen);
          return { kind: "group", term: inner } as PatternTerm;
        },
      },
    ]);
    const q = this.OPTION(() => this.SUBRULE(this.quantifier));
    if (q === undefined) return term;
    return { kind: "quantified", term, ...q };
  });

  private quantifier = this.RULE(
    "quantifier",
    (): { min: number; max?: number; reluctant: boolean; form: "*" | "+" | "?" | "{}" } => {
      const q = this.OR([
        { ALT: () => this.take(T.Star, { min: 0, form: "*" as const }) },
        { ALT: () => this.take(T.Plus, { min: 1, form: "+" as const }) },
        { ALT: () => this.take(T.Question, { min: 0, max: 1, form: "?" as const }) },
        {
          ALT: () => {
            this.CONSUME(T.LBrace);
            const min = this.OPTION(() => this.SUBRULE(this.integer));
            let max: number | undefined = min;
            this.OPTION2(() => {
              this.CONSUME(T.Comma);
              max = this.OPTION3(() => this.SUBRULE2(this.integer));
            });
            this.CONSUME(T.RBrace);
            return max === undefined
              ? { min: min ?? 0, form: "{}" as const }
              : { min: min ?? 0, max, form: "{}" as const };
          },
        },
      ]);
      const reluctant = this.OPTION4(() => this.CONSUME2(T.Question)) !== undefined;
      return { ...q, reluctant };
    },
  );
}

/**
 * The tree of `terms` joined by `ops` (ops[i] between terms[i] and terms[i + 1]): INTERSECTs
 * first, then UNION and EXCEPT, each group left-associative.
 */
function setOperations(
  terms: readonly QueryBody[],
  ops: readonly { op: "UNION" | "INTERSECT" | "EXCEPT"; all: boolean }[],
): QueryBody {
  const outer: QueryBody[] = [terms[0] as QueryBody];
  const outerOps: { op: "UNION" | "INTERSECT" | "EXCEPT"; all: boolean }[] = [];
  ops.forEach((o, i) => {
    const right = terms[i + 1] as QueryBody;
    if (o.op === "INTERSECT") {
      const left = outer.pop() as QueryBody;
      outer.push({ kind: "setOp", op: o.op, all: o.all, left, right });
    } else {
      outerOps.push(o);
      outer.push(right);
    }
  });
  return outerOps.reduce<QueryBody>(
    (left, o, i) => ({ kind: "setOp", op: o.op, all: o.all, left, right: outer[i + 1] as QueryBody }),
    outer[0] as QueryBody,
  );
}
