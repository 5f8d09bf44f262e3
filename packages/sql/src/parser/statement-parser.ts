/**
 * The statement rules of the Flink SQL grammar: CREATE TABLE / VIEW / FUNCTION, [CREATE OR]
 * REPLACE TABLE, DROP, SHOW, DESCRIBE, EXPLAIN, SET, RESET, INSERT INTO, EXECUTE, statement sets
 * and queries; a script is statements separated by semicolons.
 */

import type { IToken } from "chevrotain";
import type {
  AlterElement,
  ColumnDef,
  ColumnPosition,
  DataType,
  Expr,
  InsertStatement,
  LikeOption,
  NamedAt,
  QualifiedName,
  Query,
  ShowLike,
  SourcePos,
  Statement,
  TableOption,
} from "./ast.js";
import { posOf, stringValue, upper } from "./expression-parser.js";
import * as T from "./lexer.js";
import { QueryParser } from "./query-parser.js";

/** What one CREATE TABLE element is. */
type TableElement =
  | { kind: "column"; column: ColumnDef }
  | { kind: "watermark"; column: string; expr: Expr; pos: SourcePos }
  | { kind: "primaryKey"; name?: string; columns: string[]; pos: SourcePos };

/** The whole Flink SQL grammar. One instance is reused (chevrotain parsers are reusable). */
export class SqlParser extends QueryParser {
  /** PRIMARY tokens of keys without NOT ENFORCED, found by the last parse (Flink refuses them). */
  enforcedKeys: IToken[] = [];

  /**
   * Statements separated by `;` (a trailing `;` is allowed). The SQL client's
   * `BEGIN STATEMENT SET; insert; ... END` is one statement of a script: its parts end with `;`.
   */
  script = this.RULE("script", (): Statement[] => {
    const list: Statement[] = [];
    this.MANY(() => this.CONSUME(T.Semicolon));
    this.OPTION(() => {
      list.push(this.SUBRULE(this.scriptStatement));
      this.MANY2(() => {
        this.CONSUME2(T.Semicolon);
        this.OPTION2(() => list.push(this.SUBRULE2(this.scriptStatement)));
      });
    });
    return list;
  });

  /** A statement of a script, or the SQL client's `BEGIN STATEMENT SET; ... END`. */
  private scriptStatement = this.RULE("scriptStatement", (): Statement => {
    return this.OR([
      {
        ALT: () => {
          const tok = this.CONSUME(T.Begin);
          this.CONSUME(T.StatementKw);
          this.CONSUME(T.SetKw);
          this.CONSUME(T.Semicolon);
          return { kind: "statementSet", inserts: this.SUBRULE(this.statementSetInserts), pos: posOf(tok) };
        },
      },
      { ALT: () => this.SUBRULE(this.statement) },
    ]);
  });

  /** `STATEMENT SET BEGIN insert; ... END` (after EXECUTE or EXPLAIN). */
  private statementSet = this.RULE("statementSet", (): Statement => {
    const tok = this.CONSUME(T.StatementKw);
    this.CONSUME(T.SetKw);
    this.CONSUME(T.Begin);
    return { kind: "statementSet", inserts: this.SUBRULE(this.statementSetInserts), pos: posOf(tok) };
  });

  /** The INSERTs of a statement set, each ended by `;`, then END: at least one, as in Flink. */
  private statementSetInserts = this.RULE("statementSetInserts", (): InsertStatement[] => {
    const inserts: InsertStatement[] = [];
    this.AT_LEAST_ONE(() => {
      inserts.push(this.SUBRULE(this.insertStatement) as InsertStatement);
      this.CONSUME(T.Semicolon);
    });
    this.CONSUME(T.End);
    return inserts;
  });

  /** `EXECUTE STATEMENT SET BEGIN ... END`, `EXECUTE INSERT ...`, `EXECUTE query`. */
  private executeStatement = this.RULE("executeStatement", (): Statement => {
    this.CONSUME(T.Execute);
    return this.OR([
      { ALT: () => this.SUBRULE(this.statementSet) },
      { ALT: () => this.SUBRULE(this.insertStatement) },
      { ALT: () => ({ kind: "query", query: this.SUBRULE(this.query) }) as Statement },
    ]);
  });

  /** `REPLACE TABLE t WITH (...) AS query` (RTAS; the table must exist). */
  private replaceStatement = this.RULE("replaceStatement", (): Statement => {
    const tok = this.CONSUME(T.Replace);
    return this.SUBRULE(this.createTable, { ARGS: [false, posOf(tok), "REPLACE"] });
  });

  /** One statement. */
  statement = this.RULE("statement", (): Statement => {
    return this.OR([
      { ALT: () => this.SUBRULE(this.createStatement) },
      { ALT: () => this.SUBRULE(this.dropStatement) },
      { ALT: () => this.SUBRULE(this.showStatement) },
      { ALT: () => this.SUBRULE(this.describeStatement) },
      { ALT: () => this.SUBRULE(this.useStatement) },
      { ALT: () => this.SUBRULE(this.explainStatement) },
      { ALT: () => this.SUBRULE(this.setStatement) },
      { ALT: () => this.SUBRULE(this.insertStatement) },
      { ALT: () => this.SUBRULE(this.executeStatement) },
      { ALT: () => this.SUBRULE(this.replaceStatement) },
      { ALT: () => this.SUBRULE(this.alterStatement) },
      { ALT: () => ({ kind: "query", query: this.SUBRULE(this.query) }) as Statement },
    ]);
  });

  /** A lone query (what `sqlQuery` takes). */
  queryOnly = this.RULE("queryOnly", (): Query => this.SUBRULE(this.query));

  /** A lone data type (the declared types of user-defined functions). */
  typeOnly = this.RULE("typeOnly", (): DataType => this.SUBRULE(this.dataType));

  /** A lone expression (tests and computed columns given as text). */
  expressionOnly = this.RULE("expressionOnly", (): Expr => this.SUBRULE(this.expression));

  private createStatement = this.RULE("createStatement", (): Statement => {
    const tok = this.CONSUME(T.Create);
    return this.OR([
      {
        // CREATE OR REPLACE [TEMPORARY] TABLE ... AS SELECT (RTAS); TEMPORARY parses, as in
        // Flink, to be refused by name (create-table-as.ts).
        ALT: () => {
          this.CONSUME(T.Or);
          this.CONSUME(T.Replace);
          const temporary = this.OPTION3(() => this.CONSUME2(T.Temporary)) !== undefined;
          return this.SUBRULE2(this.createTable, { ARGS: [temporary, posOf(tok), "CREATE OR REPLACE"] });
        },
      },
      {
        ALT: () => {
          let temporary = false;
          let system = false;
          this.OPTION(() => {
            temporary = this.CONSUME(T.Temporary) !== undefined;
            this.OPTION2(() => (system = this.CONSUME(T.System) !== undefined));
          });
          return this.OR2([
            { ALT: () => this.SUBRULE(this.createTable, { ARGS: [temporary, posOf(tok)] }) },
            { ALT: () => this.SUBRULE(this.createView, { ARGS: [temporary, posOf(tok)] }) },
            { ALT: () => this.SUBRULE(this.createFunction, { ARGS: [temporary, system] }) },
          ]);
        },
      },
    ]);
  });

  private ifNotExists = this.RULE("ifNotExists", (): boolean => {
    return (
      this.OPTION(() => {
        this.CONSUME(T.If);
        this.CONSUME(T.Not);
        this.CONSUME(T.Exists);
        return true;
      }) ?? false
    );
  });

  private createTable = this.RULE(
    "createTable",
    (temporary: boolean, pos: SourcePos, replace?: "REPLACE" | "CREATE OR REPLACE"): Statement => {
      this.CONSUME(T.Table);
      const ifNotExists = this.SUBRULE(this.ifNotExists);
      const name = this.SUBRULE(this.qualifiedName);
      const elements: TableElement[] = [];
      this.OPTION(() => {
        this.CONSUME(T.LParen);
        this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => elements.push(this.SUBRULE(this.tableElement)) });
        this.CONSUME(T.RParen);
      });
      const comment = this.OPTION2(() => {
        this.CONSUME(T.Comment);
        return this.SUBRULE(this.string);
      });
      const partitionedBy =
        this.OPTION3(() => {
          this.CONSUME(T.Partitioned);
          this.CONSUME(T.By);
          return this.SUBRULE(this.nameList);
        }) ?? [];
      const options = this.OPTION4(() => this.SUBRULE(this.withOptions)) ?? [];
      const likeOptions: LikeOption[] = [];
      const like = this.OPTION5(() => {
        this.CONSUME(T.Like);
        const table = this.SUBRULE2(this.qualifiedName);
        this.OPTION7(() => {
          this.CONSUME2(T.LParen);
          this.AT_LEAST_ONE(() => likeOptions.push(this.SUBRULE(this.likeOption)));
          this.CONSUME2(T.RParen);
        });
        return table;
      });
      const asQuery = this.OPTION6(() => {
        this.CONSUME(T.As);
        return this.SUBRULE(this.query);
      });
      const columns: ColumnDef[] = [];
      let watermark: { column: string; expr: Expr; pos: SourcePos } | undefined;
      let primaryKey: { name?: string; columns: string[] } | undefined;
      for (const e of elements) {
        if (e.kind === "column") {
          columns.push(e.column);
          if (e.column.kind === "physical" && e.column.primaryKey) primaryKey = { columns: [e.column.name] };
        } else if (e.kind === "watermark") watermark = { column: e.column, expr: e.expr, pos: e.pos };
        else
          primaryKey = e.name === undefined ? { columns: e.columns } : { name: e.name, columns: e.columns };
      }
      const stmt: Statement & { kind: "createTable" } & {
        watermark?: { column: string; expr: Expr; pos: SourcePos };
        primaryKey?: { name?: string; columns: string[] };
        comment?: string;
        like?: QualifiedName;
        likeOptions?: LikeOption[];
        asQuery?: Query;
        replace?: "REPLACE" | "CREATE OR REPLACE";
      } = { kind: "createTable", name, temporary, ifNotExists, columns, partitionedBy, options, pos };
      if (watermark) stmt.watermark = watermark;
      if (primaryKey) stmt.primaryKey = primaryKey;
      if (comment !== undefined) stmt.comment = comment;
      if (like !== undefined) stmt.like = like;
      if (likeOptions.length > 0) stmt.likeOptions = likeOptions;
      if (asQuery !== undefined) stmt.asQuery = asQuery;
      if (replace !== undefined) stmt.replace = replace;
      return stmt;
    },
  );

  /**
   * One option of `LIKE source (...)`: a strategy and a feature (`EXCLUDING ALL`,
   * `OVERWRITING OPTIONS`), as written; their combinations are checked when the table is made.
   */
  private likeOption = this.RULE("likeOption", (): LikeOption => {
    const strategy = upper(this.SUBRULE(this.identifier));
    const feature = this.OR([
      { ALT: () => upper(this.CONSUME(T.All).image) },
      { ALT: () => upper(this.SUBRULE2(this.identifier)) },
    ]);
    return { strategy, feature };
  });

  private tableElement = this.RULE("tableElement", (): TableElement => {
    return this.OR([
      {
        // WATERMARK is reserved: `watermark INT` is refused at INT, expecting FOR, as in Flink.
        ALT: () => {
          this.CONSUME(T.Watermark);
          this.CONSUME(T.For);
          const pos = posOf(this.LA(1));
          const column = this.SUBRULE(this.identifier);
          this.CONSUME(T.As);
          return { kind: "watermark", column, expr: this.SUBRULE(this.expression), pos } as TableElement;
        },
      },
      {
        ALT: () => {
          const pos = posOf(this.LA(1));
          const name = this.OPTION(() => {
            this.CONSUME(T.Constraint);
            return this.SUBRULE2(this.identifier);
          });
          const primary = this.CONSUME(T.Primary);
          this.CONSUME(T.Key);
          const columns = this.SUBRULE(this.nameList);
          this.SUBRULE(this.notEnforced, { ARGS: [primary] });
          return (
            name === undefined
              ? { kind: "primaryKey", columns, pos }
              : { kind: "primaryKey", name, columns, pos }
          ) as TableElement;
        },
      },
      { ALT: () => ({ kind: "column", column: this.SUBRULE(this.columnDef) }) as TableElement },
    ]);
  });

  /**
   * `NOT ENFORCED` after a primary key. Flink parses `ENFORCED`, or neither, and refuses it after
   * parsing: the key's PRIMARY token is kept in {@link enforcedKeys} (reported by parse.ts).
   */
  private notEnforced = this.RULE("notEnforced", (primary: IToken) => {
    const notEnforced = this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.CONSUME(T.Enforced);
          return true;
        },
      },
      {
        ALT: () => {
          this.CONSUME2(T.Enforced);
          return false;
        },
      },
      { ALT: () => false },
    ]);
    this.ACTION(() => {
      if (!notEnforced) this.enforcedKeys.push(primary);
    });
  });

  private columnDef = this.RULE("columnDef", (): ColumnDef => {
    const first = this.LA(1);
    const name = this.SUBRULE(this.identifier);
    const pos = posOf(first);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.As);
          const expr = this.SUBRULE(this.expression);
          const comment = this.SUBRULE(this.columnComment);
          return (
            comment === undefined
              ? { kind: "computed", name, expr, pos }
              : { kind: "computed", name, expr, comment, pos }
          ) as ColumnDef;
        },
      },
      {
        ALT: () => {
          const type: DataType = this.SUBRULE(this.dataType);
          return this.OR2([
            {
              ALT: () => {
                this.CONSUME(T.Metadata);
                const key = this.OPTION(() => {
                  this.CONSUME(T.From);
                  return this.SUBRULE(this.string);
                });
                const virtual = this.OPTION2(() => this.CONSUME(T.Virtual)) !== undefined;
                const comment = this.SUBRULE2(this.columnComment);
                const col: ColumnDef & { kind: "metadata" } & { key?: string; comment?: string } = {
                  kind: "metadata",
                  name,
                  type,
                  virtual,
                  pos,
                };
                if (key !== undefined) col.key = key;
                if (comment !== undefined) col.comment = comment;
                return col as ColumnDef;
              },
            },
            {
              ALT: () => {
                let primaryKey = false;
                this.OPTION3(() => {
                  const primary = this.CONSUME(T.Primary);
                  this.CONSUME(T.Key);
                  this.SUBRULE(this.notEnforced, { ARGS: [primary] });
                  primaryKey = true;
                });
                const comment = this.SUBRULE3(this.columnComment);
                return (
                  comment === undefined
                    ? { kind: "physical", name, type, primaryKey, pos }
                    : { kind: "physical", name, type, primaryKey, comment, pos }
                ) as ColumnDef;
              },
            },
          ]);
        },
      },
    ]);
  });

  private columnComment = this.RULE("columnComment", (): string | undefined => {
    return this.OPTION(() => {
      this.CONSUME(T.Comment);
      return this.SUBRULE(this.string);
    });
  });

  /** `WITH ('k' = 'v', ...)`. */
  private withOptions = this.RULE("withOptions", (): TableOption[] => {
    this.CONSUME(T.With);
    return this.SUBRULE(this.optionList);
  });

  /** `('k' = 'v', ...)`: the options of WITH and of ALTER TABLE SET. */
  private optionList = this.RULE("optionList", (): TableOption[] => {
    this.CONSUME(T.LParen);
    const options: TableOption[] = [];
    this.MANY_SEP({ SEP: T.Comma, DEF: () => options.push(this.SUBRULE(this.tableOption)) });
    this.CONSUME(T.RParen);
    return options;
  });

  /** `'key' = 'value'`. */
  /** `PARTITION (k = 'v', k2 = 2)`: each key with its value's text, as Flink's partition spec. */
  private partitionSpec = this.RULE("partitionSpec", (): [string, string][] => {
    this.CONSUME(T.Partition);
    this.CONSUME(T.LParen);
    const spec: [string, string][] = [];
    this.AT_LEAST_ONE_SEP({
      SEP: T.Comma,
      DEF: () => {
        const key = this.SUBRULE(this.identifier);
        this.CONSUME(T.Equals);
        const value = this.OR([
          { ALT: () => this.SUBRULE(this.string) },
          { ALT: () => this.CONSUME(T.NumberLiteral).image },
        ]);
        spec.push([key, value]);
      },
    });
    this.CONSUME(T.RParen);
    return spec;
  });

  private tableOption = this.RULE("tableOption", (): TableOption => {
    const keyToken = this.CONSUME(T.StringLiteral);
    this.CONSUME(T.Equals);
    const valuePos = posOf(this.LA(1));
    const value = this.SUBRULE2(this.string);
    return { key: stringValue(keyToken), value, pos: posOf(keyToken), valuePos };
  });

  private createView = this.RULE("createView", (temporary: boolean, pos: SourcePos): Statement => {
    this.CONSUME(T.View);
    const ifNotExists = this.SUBRULE(this.ifNotExists);
    const name = this.SUBRULE(this.qualifiedName);
    const columns = this.OPTION(() => this.SUBRULE(this.nameList)) ?? [];
    this.CONSUME(T.As);
    const query = this.SUBRULE(this.query);
    return { kind: "createView", name, temporary, ifNotExists, columns, query, pos };
  });

  private createFunction = this.RULE("createFunction", (temporary: boolean, system: boolean): Statement => {
    this.CONSUME(T.FunctionKw);
    const ifNotExists = this.SUBRULE(this.ifNotExists);
    const name = this.SUBRULE(this.qualifiedName);
    this.CONSUME(T.As);
    const identifier = this.SUBRULE(this.string);
    const language = this.OPTION(() => {
      this.CONSUME(T.Language);
      return upper(this.SUBRULE(this.identifier));
    });
    return language === undefined
      ? { kind: "createFunction", name, temporary, system, ifNotExists, identifier }
      : { kind: "createFunction", name, temporary, system, ifNotExists, identifier, language };
  });

  private dropStatement = this.RULE("dropStatement", (): Statement => {
    this.CONSUME(T.Drop);
    let temporary = false;
    this.OPTION(() => {
      temporary = this.CONSUME(T.Temporary) !== undefined;
      this.OPTION2(() => this.CONSUME(T.System));
    });
    const object = this.OR([
      { ALT: () => this.take(T.Table, "TABLE" as const) },
      { ALT: () => this.take(T.View, "VIEW" as const) },
      { ALT: () => this.take(T.FunctionKw, "FUNCTION" as const) },
    ]);
    const ifExists =
      this.OPTION3(() => {
        this.CONSUME(T.If);
        this.CONSUME(T.Exists);
        return true;
      }) ?? false;
    const name = this.SUBRULE(this.qualifiedName);
    return { kind: "drop", object, name, temporary, ifExists };
  });

  private showStatement = this.RULE("showStatement", (): Statement => {
    this.CONSUME(T.Show);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Tables);
          return this.SUBRULE(this.showListingRest, { ARGS: ["TABLES"] });
        },
      },
      { ALT: () => this.take(T.Views, { kind: "show", what: "VIEWS" } as Statement) },
      {
        ALT: () => {
          this.CONSUME(T.Functions);
          return this.SUBRULE2(this.showListingRest, { ARGS: ["FUNCTIONS"] });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.User);
          this.CONSUME2(T.Functions);
          return this.SUBRULE3(this.showListingRest, { ARGS: ["USER FUNCTIONS"] });
        },
      },
      { ALT: () => this.take(T.Catalogs, { kind: "show", what: "CATALOGS" } as Statement) },
      { ALT: () => this.take(T.Databases, { kind: "show", what: "DATABASES" } as Statement) },
      {
        ALT: () => {
          this.CONSUME(T.Current);
          return this.OR3([
            { ALT: () => this.take(T.Catalog, { kind: "show", what: "CURRENT CATALOG" } as Statement) },
            { ALT: () => this.take(T.Database, { kind: "show", what: "CURRENT DATABASE" } as Statement) },
          ]);
        },
      },
      { ALT: () => this.take(T.Jobs, { kind: "show", what: "JOBS" } as Statement) },
      { ALT: () => this.take(T.Modules, { kind: "show", what: "MODULES" } as Statement) },
      {
        ALT: () => {
          this.CONSUME(T.Full);
          return this.take(T.Modules, { kind: "show", what: "FULL MODULES" } as Statement, 1);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Columns);
          this.OR4([{ ALT: () => this.CONSUME(T.From) }, { ALT: () => this.CONSUME(T.In) }]);
          const name = this.SUBRULE(this.qualifiedName);
          const like = this.OPTION(() => this.SUBRULE(this.showLike));
          return (
            like === undefined ? { kind: "showColumns", name } : { kind: "showColumns", name, like }
          ) as Statement;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Partitions);
          const name = this.SUBRULE2(this.qualifiedName);
          const partition = this.OPTION2(() => this.SUBRULE(this.partitionSpec));
          return (
            partition === undefined
              ? { kind: "showPartitions", name }
              : { kind: "showPartitions", name, partition }
          ) as Statement;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Create);
          const object = this.OR2([
            { ALT: () => this.take(T.Table, "TABLE" as const) },
            { ALT: () => this.take(T.View, "VIEW" as const) },
          ]);
          return { kind: "showCreate", object, name: this.SUBRULE3(this.qualifiedName) } as Statement;
        },
      },
    ]);
  });

  /** `[FROM|IN [catalog.]database] [[NOT] LIKE 'pattern']` after SHOW TABLES or SHOW [USER] FUNCTIONS. */
  private showListingRest = this.RULE(
    "showListingRest",
    (what: "TABLES" | "FUNCTIONS" | "USER FUNCTIONS"): Statement => {
      const from = this.OPTION(() => {
        this.OR([{ ALT: () => this.CONSUME(T.From) }, { ALT: () => this.CONSUME(T.In) }]);
        return this.SUBRULE(this.qualifiedName);
      });
      const like = this.OPTION2(() => this.SUBRULE(this.showLike));
      return {
        kind: "show",
        what,
        ...(from === undefined ? {} : { from }),
        ...(like === undefined ? {} : { like }),
      };
    },
  );

  /** `[NOT] LIKE 'pattern'` of SHOW. */
  private showLike = this.RULE("showLike", (): ShowLike => {
    const not = this.OPTION(() => this.CONSUME(T.Not)) !== undefined;
    this.CONSUME(T.Like);
    return { not, pattern: this.SUBRULE(this.string) };
  });

  /** `USE CATALOG c`, `USE [catalog.]database`. */
  private useStatement = this.RULE("useStatement", (): Statement => {
    this.CONSUME(T.Use);
    const catalog = this.OPTION(() => this.CONSUME(T.Catalog)) !== undefined;
    return { kind: "use", catalog, name: this.SUBRULE(this.qualifiedName) };
  });

  private describeStatement = this.RULE("describeStatement", (): Statement => {
    this.OR([{ ALT: () => this.CONSUME(T.Describe) }, { ALT: () => this.CONSUME(T.Desc) }]);
    const extended = this.OPTION(() => this.CONSUME(T.Extended)) !== undefined;
    return { kind: "describe", name: this.SUBRULE(this.qualifiedName), extended };
  });

  /** `EXPLAIN [PLAN FOR | detail, ...] statement`. */
  private explainStatement = this.RULE("explainStatement", (): Statement => {
    this.CONSUME(T.Explain);
    const details: string[] = [];
    // STATEMENT is a name too: `EXPLAIN STATEMENT SET` is a statement set, not a detail.
    this.OPTION({
      GATE: () => !(this.LA(1).tokenType === T.StatementKw && this.LA(2).tokenType === T.SetKw),
      DEF: () =>
        this.OR([
          {
            GATE: () => this.LA(1).tokenType === T.Plan && this.LA(2).tokenType === T.For,
            ALT: () => {
              this.CONSUME(T.Plan);
              this.CONSUME(T.For);
            },
          },
          {
            ALT: () =>
              this.AT_LEAST_ONE_SEP({
                SEP: T.Comma,
                DEF: () => details.push(upper(this.SUBRULE(this.identifier))),
              }),
          },
        ]),
    });
    const statement = this.OR2([
      { ALT: () => this.SUBRULE(this.statementSet) },
      { ALT: () => this.SUBRULE(this.statement) },
    ]);
    return { kind: "explain", details, statement };
  });

  /** `SET ['k' = 'v']`, `RESET ['k']`. */
  private setStatement = this.RULE("setStatement", (): Statement => {
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.SetKw);
          const option = this.OPTION(() => this.SUBRULE(this.tableOption));
          return (option === undefined ? { kind: "set" } : { kind: "set", option }) as Statement;
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Reset);
          const key = this.OPTION2(() => this.SUBRULE(this.string));
          return (key === undefined ? { kind: "reset" } : { kind: "reset", key }) as Statement;
        },
      },
    ]);
  });

  /**
   * `ALTER TABLE [IF EXISTS] t` and Flink 1.20's changes of a table: RENAME TO t2, SET ('k' =
   * 'v', ...), RESET ('k', ...), ADD / MODIFY (elements) or one element, DROP (columns) / DROP c /
   * DROP PRIMARY KEY / DROP CONSTRAINT name / DROP WATERMARK, RENAME c1 TO c2. Flink's other
   * ALTER forms are refused by name (see unsupportedAlter in parse.ts).
   */
  private alterStatement = this.RULE("alterStatement", (): Statement => {
    const pos = posOf(this.CONSUME(T.Alter));
    this.CONSUME(T.Table);
    const ifExists =
      this.OPTION(() => {
        this.CONSUME(T.If);
        this.CONSUME(T.Exists);
        return true;
      }) ?? false;
    const name = this.SUBRULE(this.qualifiedName);
    const change = this.OR<(Statement & { kind: "alterTable" })["change"]>([
      {
        ALT: () => {
          this.CONSUME(T.Rename);
          return this.OR2([
            {
              ALT: () => {
                this.CONSUME(T.To);
                return { kind: "rename" as const, to: this.SUBRULE2(this.qualifiedName) };
              },
            },
            {
              ALT: () => {
                const from = this.SUBRULE(this.namedAt);
                this.CONSUME2(T.To);
                return { kind: "renameColumn" as const, from, to: this.SUBRULE2(this.namedAt) };
              },
            },
          ]);
        },
      },
      {
        ALT: () => {
          const kind = this.OR3([
            {
              ALT: () => {
                this.CONSUME(T.Add);
                return "add" as const;
              },
            },
            {
              ALT: () => {
                this.CONSUME(T.Modify);
                return "modify" as const;
              },
            },
          ]);
          const elements: AlterElement[] = [];
          this.OR4([
            {
              ALT: () => {
                this.CONSUME2(T.LParen);
                this.AT_LEAST_ONE_SEP2({
                  SEP: T.Comma,
                  DEF: () => elements.push(this.SUBRULE(this.alterElement)),
                });
                this.CONSUME2(T.RParen);
              },
            },
            { ALT: () => elements.push(this.SUBRULE2(this.alterElement)) },
          ]);
          return { kind, elements };
        },
      },
      { ALT: () => this.SUBRULE(this.alterDrop) },
      {
        ALT: () => {
          this.CONSUME(T.SetKw);
          return { kind: "set" as const, options: this.SUBRULE(this.optionList) };
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Reset);
          this.CONSUME(T.LParen);
          const keys: string[] = [];
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => keys.push(this.SUBRULE(this.string)) });
          this.CONSUME(T.RParen);
          return { kind: "reset" as const, keys };
        },
      },
    ]);
    return { kind: "alterTable", name, ifExists, change, pos };
  });

  /** One element of ALTER TABLE ADD / MODIFY: a CREATE TABLE element, a column with its position. */
  private alterElement = this.RULE("alterElement", (): AlterElement => {
    const e = this.SUBRULE(this.tableElement);
    const position = this.OPTION(() =>
      this.OR<ColumnPosition>([
        {
          ALT: () => {
            this.CONSUME(T.First);
            return { first: true as const };
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.After);
            return { after: this.SUBRULE(this.namedAt) };
          },
        },
      ]),
    );
    if (e.kind !== "column") return e;
    return position === undefined ? e : { ...e, position };
  });

  /** `DROP (c, ...)`, `DROP c`, `DROP PRIMARY KEY`, `DROP CONSTRAINT name`, `DROP WATERMARK` of ALTER TABLE. */
  private alterDrop = this.RULE("alterDrop", (): (Statement & { kind: "alterTable" })["change"] => {
    this.CONSUME(T.Drop);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          const columns: NamedAt[] = [];
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => columns.push(this.SUBRULE(this.namedAt)) });
          this.CONSUME(T.RParen);
          return { kind: "dropColumns" as const, columns };
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Primary);
          this.CONSUME(T.Key);
          return { kind: "dropPrimaryKey" as const };
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Constraint);
          return { kind: "dropConstraint" as const, name: this.SUBRULE2(this.namedAt) };
        },
      },
      // DROP WATERMARK is the watermark, as in Flink (WATERMARK is reserved, not a column name).
      {
        ALT: () => {
          this.CONSUME(T.Watermark);
          return { kind: "dropWatermark" as const };
        },
      },
      { ALT: () => ({ kind: "dropColumns" as const, columns: [this.SUBRULE3(this.namedAt)] }) },
    ]);
  });

  /** A name and where it is written. */
  private namedAt = this.RULE("namedAt", (): NamedAt => {
    const pos = posOf(this.LA(1));
    return { name: this.SUBRULE(this.identifier), pos };
  });

  /** `INSERT INTO|OVERWRITE t [(cols)] query`. */
  private insertStatement = this.RULE("insertStatement", (): Statement => {
    const tok = this.CONSUME(T.Insert);
    const overwrite = this.OR([
      { ALT: () => this.take(T.Into, false) },
      { ALT: () => this.take(T.Overwrite, true) },
    ]);
    const table = this.SUBRULE(this.qualifiedName);
    const columns = this.OPTION(() => {
      return this.SUBRULE(this.nameList);
    });
    const query = this.SUBRULE(this.query);
    return { kind: "insert", overwrite, table, columns: columns ?? [], query, pos: posOf(tok) };
  });

  constructor() {
    super();
    this.performSelfAnalysis();
    this.usePrecomputedLookahead();
  }
}
