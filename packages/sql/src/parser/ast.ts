/**
 * The syntax tree of Flink SQL as parsed: statements, queries, expressions and data types, each a
 * discriminated union on `kind`. Names keep the case they were written in (Flink resolves names
 * case-sensitively); keywords and function names are upper-cased. Every node that can be wrong
 * later (a name, a call) carries its `pos` so planner errors can point at the SQL.
 */

/** Where a node starts in the SQL text (1-based line and column, 0-based offset). */
export interface SourcePos {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

// ---------------------------------------------------------------------------------------------
// Data types

/** A data type as written in DDL or CAST. */
export type DataType =
  | {
      readonly kind: "atomic";
      /** Canonical upper-case name: INT for INTEGER, DECIMAL for DEC/NUMERIC, DOUBLE for DOUBLE PRECISION. */
      readonly name: string;
      /** Length, precision or (precision, scale), as written: VARCHAR(10), DECIMAL(10, 2), TIMESTAMP(3). */
      readonly args: readonly number[];
      /** TIMESTAMP/TIME ... WITH LOCAL TIME ZONE ("local") or WITH TIME ZONE ("zone"). */
      readonly timeZone?: "local" | "zone";
      readonly notNull: boolean;
    }
  | { readonly kind: "array"; readonly element: DataType; readonly notNull: boolean }
  | { readonly kind: "multiset"; readonly element: DataType; readonly notNull: boolean }
  | { readonly kind: "map"; readonly key: DataType; readonly value: DataType; readonly notNull: boolean }
  | { readonly kind: "row"; readonly fields: readonly RowField[]; readonly notNull: boolean }
  | {
      readonly kind: "interval";
      readonly from: string;
      readonly to?: string;
      readonly notNull: boolean;
    };

/** One field of a ROW type. */
export interface RowField {
  readonly name: string;
  readonly type: DataType;
  readonly comment?: string;
}

// ---------------------------------------------------------------------------------------------
// Expressions

/** A (possibly qualified) name: `a`, `t.a`, `cat.db.t`. */
export interface QualifiedName {
  readonly parts: readonly string[];
  /**
   * Set on names the planner writes itself (the condition of `JOIN ... USING`): the key of the
   * column's value in the joined rows, which resolves the name whatever `parts` (kept for
   * printing) would match.
   */
  readonly column?: string;
}

/** A scalar expression. */
export type Expr =
  | {
      readonly kind: "literal";
      readonly type: "number";
      readonly text: string;
      /** Where the digits are (a literal out of range is refused there). */
      readonly pos?: SourcePos;
    }
  | { readonly kind: "literal"; readonly type: "string"; readonly value: string }
  | { readonly kind: "literal"; readonly type: "boolean"; readonly value: boolean }
  /** X'0aFF': value is the text between the quotes, as written (the planner checks the digits). */
  | { readonly kind: "literal"; readonly type: "binary"; readonly value: string }
  | { readonly kind: "literal"; readonly type: "null" }
  | {
      /** DATE '...', TIME '...', TIMESTAMP '...'. */
      readonly kind: "typedLiteral";
      readonly type: "DATE" | "TIME" | "TIMESTAMP";
      readonly value: string;
    }
  | {
      /** INTERVAL [-]'value' unit [TO unit]. */
      readonly kind: "interval";
      readonly value: string;
      readonly negative: boolean;
      readonly from: string;
      readonly to?: string;
      /** Where the literal starts (its INTERVAL keyword). */
      readonly pos?: SourcePos;
    }
  | { readonly kind: "column"; readonly name: QualifiedName; readonly pos: SourcePos }
  | { readonly kind: "star"; readonly qualifier?: QualifiedName }
  | { readonly kind: "unary"; readonly op: "-" | "+" | "NOT"; readonly operand: Expr }
  | { readonly kind: "binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr }
  | {
      /** IS [NOT] NULL / TRUE / FALSE / UNKNOWN / JSON [VALUE | SCALAR | ARRAY | OBJECT]. */
      readonly kind: "is";
      readonly operand: Expr;
      readonly not: boolean;
      readonly what:
        | "NULL"
        | "TRUE"
        | "FALSE"
        | "UNKNOWN"
        | "JSON"
        | "JSON VALUE"
        | "JSON SCALAR"
        | "JSON ARRAY"
        | "JSON OBJECT";
    }
  | {
      readonly kind: "isDistinctFrom";
      readonly left: Expr;
      readonly right: Expr;
      readonly not: boolean;
    }
  | {
      readonly kind: "between";
      readonly operand: Expr;
      readonly low: Expr;
      readonly high: Expr;
      readonly not: boolean;
      readonly symmetric: boolean;
    }
  | { readonly kind: "in"; readonly operand: Expr; readonly list: readonly Expr[]; readonly not: boolean }
  | {
      readonly kind: "inQuery";
      readonly operand: Expr;
      readonly query: Query;
      readonly not: boolean;
      /** Where the subquery's `(` is. */
      readonly pos?: SourcePos;
    }
  | {
      readonly kind: "like";
      readonly op: "LIKE" | "SIMILAR TO";
      readonly operand: Expr;
      readonly pattern: Expr;
      readonly escape?: Expr;
      readonly not: boolean;
    }
  | {
      readonly kind: "case";
      /** CASE x WHEN ... (simple form); absent for CASE WHEN cond ... */
      readonly operand?: Expr;
      readonly whens: readonly { readonly when: Expr; readonly result: Expr }[];
      readonly else?: Expr;
    }
  | {
      readonly kind: "cast";
      readonly try: boolean;
      readonly operand: Expr;
      readonly type: DataType;
      /** Where CAST / TRY_CAST is. */
      readonly pos?: SourcePos;
    }
  | {
      readonly kind: "call";
      /** Upper-cased function name (qualified names joined with '.'). */
      readonly name: string;
      readonly args: readonly Expr[];
      readonly distinct: boolean;
      /** `ARRAY_AGG(x IGNORE NULLS)` / `RESPECT NULLS` (only ARRAY_AGG takes it). */
      readonly nulls?: "IGNORE" | "RESPECT";
      /** `ARRAY_AGG(x ORDER BY y)`: parsed for ARRAY_AGG, whose order Flink 1.20 ignores. */
      readonly orderBy?: readonly OrderItem[];
      /** `agg(...) FILTER (WHERE cond)`. */
      readonly filter?: Expr;
      /** `... OVER (...)` or `OVER w`. */
      readonly over?: WindowSpec | { readonly kind: "ref"; readonly name: string };
      /** The SQL/JSON clauses of JSON_VALUE, JSON_QUERY, JSON_EXISTS, JSON_OBJECT, JSON_ARRAY. */
      readonly json?: JsonClauses;
      /** The time unit of `FLOOR(x TO unit)` / `CEIL(x TO unit)`, upper-cased. */
      readonly unit?: string;
      /** `TRIM([BOTH | LEADING | TRAILING] [characters] FROM s)`, held as TRIM(s, characters, mode). */
      readonly trim?: true;
      readonly pos: SourcePos;
    }
  | {
      /** EXTRACT(unit FROM e). */
      readonly kind: "extract";
      readonly unit: string;
      readonly operand: Expr;
    }
  | { readonly kind: "row"; readonly values: readonly Expr[]; readonly explicit: boolean }
  | { readonly kind: "array"; readonly values: readonly Expr[] }
  | { readonly kind: "map"; readonly entries: readonly Expr[] }
  | { readonly kind: "index"; readonly operand: Expr; readonly index: Expr }
  | { readonly kind: "field"; readonly operand: Expr; readonly field: string }
  /** A scalar subquery `(SELECT ...)`; `pos` is where its `(` is. */
  | { readonly kind: "subquery"; readonly query: Query; readonly pos?: SourcePos }
  /** `EXISTS (SELECT ...)`; `pos` is where EXISTS is. */
  | { readonly kind: "exists"; readonly query: Query; readonly pos?: SourcePos }
  | {
      /** `TABLE t [PARTITION BY ...]`: a table argument of a table function (window TVFs). */
      readonly kind: "tableArg";
      readonly table: QualifiedName;
      readonly partitionBy: readonly Expr[];
    }
  | { readonly kind: "descriptor"; readonly columns: readonly string[] }
  | { readonly kind: "namedArg"; readonly name: string; readonly value: Expr };

/** Binary operators, by SQL spelling. */
export type BinaryOp =
  | "OR"
  | "AND"
  | "="
  | "<>"
  | "<"
  | "<="
  | ">"
  | ">="
  | "+"
  | "-"
  | "*"
  | "/"
  | "%"
  | "||"
  /** `(t1, t2) OVERLAPS (t3, t4)`: the period predicate, of two rows of two values. */
  | "OVERLAPS";

/** `OVER (PARTITION BY ... ORDER BY ... ROWS|RANGE BETWEEN ...)`. */
export interface WindowSpec {
  readonly kind: "spec";
  /** `OVER (w ...)`: a named window this one refines. */
  readonly base?: string;
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
  readonly frame?: WindowFrame;
}

/** A window frame: `ROWS|RANGE BETWEEN start AND end` (or a single start bound). */
export interface WindowFrame {
  readonly unit: "ROWS" | "RANGE";
  readonly start: FrameBound;
  readonly end?: FrameBound;
}

/** One bound of a window frame. */
export type FrameBound =
  | { readonly kind: "unbounded"; readonly direction: "PRECEDING" | "FOLLOWING" }
  | { readonly kind: "current" }
  | { readonly kind: "offset"; readonly offset: Expr; readonly direction: "PRECEDING" | "FOLLOWING" };

/** An ORDER BY item. */
export interface OrderItem {
  readonly expr: Expr;
  readonly direction?: "ASC" | "DESC";
  readonly nulls?: "FIRST" | "LAST";
}

// ---------------------------------------------------------------------------------------------
// Queries

/** A query: a set expression with its WITH, ORDER BY, LIMIT and OFFSET. */
export interface Query {
  readonly kind: "query";
  readonly with: readonly CommonTableExpr[];
  readonly body: QueryBody;
  readonly orderBy: readonly OrderItem[];
  readonly limit?: Expr;
  /** Where LIMIT (or FETCH) is. */
  readonly limitPos?: SourcePos;
  readonly offset?: Expr;
  /** Where OFFSET is. */
  readonly offsetPos?: SourcePos;
}

/** `name [(cols)] AS (query)` of a WITH clause. */
export interface CommonTableExpr {
  readonly name: string;
  readonly columns: readonly string[];
  readonly query: Query;
  /** Where its name is. */
  readonly pos?: SourcePos;
}

/** The body of a query. */
export type QueryBody =
  | Select
  | { readonly kind: "values"; readonly rows: readonly Expr[] }
  | {
      readonly kind: "setOp";
      readonly op: "UNION" | "INTERSECT" | "EXCEPT";
      readonly all: boolean;
      readonly left: QueryBody;
      readonly right: QueryBody;
    }
  | { readonly kind: "nested"; readonly query: Query };

/** `SELECT ... FROM ... WHERE ... GROUP BY ... HAVING ... WINDOW ...`. */
export interface Select {
  readonly kind: "select";
  readonly distinct: boolean;
  readonly items: readonly SelectItem[];
  readonly from?: TableRef;
  readonly where?: Expr;
  readonly groupBy: readonly GroupingElement[];
  readonly having?: Expr;
  readonly windows: readonly { readonly name: string; readonly spec: WindowSpec }[];
  readonly pos: SourcePos;
  /** The text of the query hint right after SELECT, `/*+ STATE_TTL('t' = '1d') *\/`, if any. */
  readonly hint?: HintText;
}

/** A hint comment, `/*+ NAME(options) *\/`, as written, and where it starts. */
export interface HintText {
  readonly text: string;
  readonly pos: SourcePos;
}

/** One item of the select list. */
export interface SelectItem {
  readonly expr: Expr;
  readonly alias?: string;
}

/** One element of GROUP BY. */
export type GroupingElement =
  | { readonly kind: "expr"; readonly expr: Expr }
  | { readonly kind: "empty" }
  | { readonly kind: "set"; readonly exprs: readonly Expr[] }
  | { readonly kind: "rollup"; readonly elements: readonly GroupingElement[] }
  | { readonly kind: "cube"; readonly elements: readonly GroupingElement[] }
  | { readonly kind: "groupingSets"; readonly elements: readonly GroupingElement[] };

/** An alias of a table reference, with optional column names: `AS t (a, b)`. */
export interface TableAlias {
  readonly name: string;
  readonly columns: readonly string[];
}

/** Something in FROM. */
export type TableRef =
  | {
      readonly kind: "table";
      readonly name: QualifiedName;
      /** `FOR SYSTEM_TIME AS OF expr`: a temporal join's versioned table. */
      readonly systemTime?: Expr;
      readonly alias?: TableAlias;
      readonly pos: SourcePos;
      /** The table hint right after the table's name, `/*+ OPTIONS('k' = 'v') *\/`, if any. */
      readonly hint?: HintText;
    }
  | {
      readonly kind: "derived";
      readonly query: Query;
      readonly lateral: boolean;
      readonly alias?: TableAlias;
    }
  | {
      /** `TABLE(fn(...))` (window TVFs) or `LATERAL TABLE(fn(...))`. */
      readonly kind: "tableFunction";
      readonly call: Expr & { readonly kind: "call" };
      readonly lateral: boolean;
      readonly alias?: TableAlias;
    }
  | {
      readonly kind: "unnest";
      readonly args: readonly Expr[];
      readonly withOrdinality: boolean;
      readonly alias?: TableAlias;
    }
  | {
      readonly kind: "join";
      readonly type: "INNER" | "LEFT" | "RIGHT" | "FULL" | "CROSS" | "COMMA";
      readonly natural: boolean;
      readonly left: TableRef;
      readonly right: TableRef;
      readonly on?: Expr;
      readonly using?: readonly string[];
      /** Where the NATURAL keyword or the USING clause is (for errors about the common columns). */
      readonly commonPos?: SourcePos;
    }
  | {
      readonly kind: "matchRecognize";
      readonly input: TableRef;
      readonly spec: MatchRecognize;
      readonly alias?: TableAlias;
    };

/** The clauses of MATCH_RECOGNIZE. */
export interface MatchRecognize {
  readonly partitionBy: readonly Expr[];
  readonly orderBy: readonly OrderItem[];
  readonly measures: readonly SelectItem[];
  readonly rowsPerMatch?: "ONE ROW PER MATCH" | "ALL ROWS PER MATCH";
  readonly afterMatch?: AfterMatchSkip;
  readonly pattern: PatternTerm;
  readonly within?: Expr;
  /** Where the MATCH_RECOGNIZE keyword is (for errors about the clause as a whole). */
  readonly pos?: SourcePos;
  /** Where ONE/ALL ROWS PER MATCH, PATTERN and SUBSET are (for errors about them). */
  readonly rowsPerMatchPos?: SourcePos;
  readonly patternPos?: SourcePos;
  readonly subsetPos?: SourcePos;
  readonly subsets: readonly { readonly name: string; readonly variables: readonly string[] }[];
  readonly define: readonly {
    readonly variable: string;
    readonly condition: Expr;
    readonly pos?: SourcePos;
  }[];
}

/** AFTER MATCH SKIP ... */
export type AfterMatchSkip =
  | { readonly kind: "toNextRow" }
  | { readonly kind: "pastLastRow" }
  | { readonly kind: "toFirst"; readonly variable: string }
  | { readonly kind: "toLast"; readonly variable: string };

/** A row pattern: a regular expression over pattern variables. */
export type PatternTerm =
  | { readonly kind: "variable"; readonly name: string }
  | { readonly kind: "sequence"; readonly terms: readonly PatternTerm[] }
  | { readonly kind: "alternation"; readonly alternatives: readonly PatternTerm[] }
  | {
      readonly kind: "quantified";
      readonly term: PatternTerm;
      readonly min: number;
      /** Absent: unbounded. */
      readonly max?: number;
      /** Reluctant (`*?`, `+?`, `{n,m}?`). */
      readonly reluctant: boolean;
      /** How it was written, for printing: "*", "+", "?", or "{...}". */
      readonly form: "*" | "+" | "?" | "{}";
    }
  | { readonly kind: "group"; readonly term: PatternTerm }
  /** `PERMUTE(A, B, C)`: the terms in any order (parsed so that it can be refused by name). */
  | { readonly kind: "permute"; readonly terms: readonly PatternTerm[] };

// ---------------------------------------------------------------------------------------------
// Statements

/** A column of CREATE TABLE. */
export type ColumnDef =
  | {
      readonly kind: "physical";
      readonly name: string;
      readonly type: DataType;
      readonly primaryKey: boolean;
      readonly comment?: string;
      readonly pos: SourcePos;
    }
  | {
      readonly kind: "computed";
      readonly name: string;
      readonly expr: Expr;
      readonly comment?: string;
      readonly pos: SourcePos;
      /**
       * Added or changed by ALTER TABLE: Flink 1.20 keeps such an expression as Calcite unparses it
       * before validation, which back-quotes the name of a function not in Calcite's standard
       * operator table (`PROCTIME`(), `DATE_FORMAT`(...)) in SHOW CREATE TABLE and DESCRIBE.
       */
      readonly altered?: true;
    }
  | {
      readonly kind: "metadata";
      readonly name: string;
      readonly type: DataType;
      /** FROM 'key'; absent: the column's name is the key. */
      readonly key?: string;
      readonly virtual: boolean;
      readonly comment?: string;
      readonly pos: SourcePos;
    };

/**
 * One option of `CREATE TABLE ... LIKE source (...)`, upper-cased as written: a strategy
 * (INCLUDING, EXCLUDING, OVERWRITING) and a feature (ALL, CONSTRAINTS, GENERATED, METADATA,
 * OPTIONS, PARTITIONS, WATERMARKS).
 */
export interface LikeOption {
  readonly strategy: string;
  readonly feature: string;
}

/** `'key' = 'value'` of WITH (...) or SET. */
export interface TableOption {
  readonly key: string;
  readonly value: string;
  /** Where its key is written (an error about the option points there). */
  readonly pos?: SourcePos;
  /** Where its value is written (an error about the value, e.g. an unknown format, points there). */
  readonly valuePos?: SourcePos;
}

/** `[NOT] LIKE 'pattern'` of a SHOW statement (MySQL's LIKE: `%`, `_`, a backslash escaping). */
export interface ShowLike {
  readonly not: boolean;
  readonly pattern: string;
}

/** A name and where it is written (an error about it points there). */
export interface NamedAt {
  readonly name: string;
  readonly pos: SourcePos;
}

/** Where ALTER TABLE ADD / MODIFY puts a column: FIRST, or AFTER a column. */
export type ColumnPosition = { readonly first: true } | { readonly after: NamedAt };

/** One element of ALTER TABLE ADD / MODIFY. */
export type AlterElement =
  | { readonly kind: "column"; readonly column: ColumnDef; readonly position?: ColumnPosition }
  | {
      readonly kind: "primaryKey";
      readonly name?: string;
      readonly columns: readonly string[];
      readonly pos: SourcePos;
    }
  | { readonly kind: "watermark"; readonly column: string; readonly expr: Expr; readonly pos: SourcePos };

/** A SQL statement. */
export type Statement =
  | {
      readonly kind: "createTable";
      readonly name: QualifiedName;
      readonly temporary: boolean;
      readonly ifNotExists: boolean;
      readonly columns: readonly ColumnDef[];
      /** `pos`: where the column is named (an unknown column is reported there). */
      readonly watermark?: { readonly column: string; readonly expr: Expr; readonly pos?: SourcePos };
      readonly primaryKey?: { readonly name?: string; readonly columns: readonly string[] };
      readonly comment?: string;
      readonly partitionedBy: readonly string[];
      readonly options: readonly TableOption[];
      /** CREATE TABLE ... LIKE source_table. */
      readonly like?: QualifiedName;
      /** The `(INCLUDING ALL ...)` options of LIKE, as written; absent: none written. */
      readonly likeOptions?: readonly LikeOption[];
      /** CREATE TABLE ... AS SELECT. */
      readonly asQuery?: Query;
      /**
       * `REPLACE TABLE` / `CREATE OR REPLACE TABLE` (with AS SELECT: RTAS): the table's
       * definition is dropped and made again from the query.
       */
      readonly replace?: "REPLACE" | "CREATE OR REPLACE";
      readonly pos: SourcePos;
    }
  | {
      readonly kind: "createView";
      readonly name: QualifiedName;
      readonly temporary: boolean;
      readonly ifNotExists: boolean;
      readonly columns: readonly string[];
      readonly query: Query;
      readonly pos: SourcePos;
    }
  | {
      readonly kind: "createFunction";
      readonly name: QualifiedName;
      readonly temporary: boolean;
      readonly system: boolean;
      readonly ifNotExists: boolean;
      /** AS 'identifier': the class (Flink) or registered TypeScript function this name binds to. */
      readonly identifier: string;
      readonly language?: string;
    }
  | {
      readonly kind: "drop";
      readonly object: "TABLE" | "VIEW" | "FUNCTION";
      readonly name: QualifiedName;
      readonly temporary: boolean;
      readonly ifExists: boolean;
    }
  | {
      readonly kind: "show";
      readonly what:
        | "TABLES"
        | "VIEWS"
        | "FUNCTIONS"
        | "USER FUNCTIONS"
        | "CATALOGS"
        | "CURRENT CATALOG"
        | "DATABASES"
        | "CURRENT DATABASE"
        | "JOBS"
        | "MODULES"
        | "FULL MODULES";
      /** `FROM|IN [catalog.]database` of SHOW TABLES and SHOW FUNCTIONS. */
      readonly from?: QualifiedName;
      readonly like?: ShowLike;
    }
  | { readonly kind: "showCreate"; readonly object: "TABLE" | "VIEW"; readonly name: QualifiedName }
  /** `SHOW COLUMNS FROM|IN t [[NOT] LIKE 'pattern']`. */
  | { readonly kind: "showColumns"; readonly name: QualifiedName; readonly like?: ShowLike }
  /** `SHOW PARTITIONS t [PARTITION (k = 'v', ...)]`: the spec's keys with their values' text. */
  | {
      readonly kind: "showPartitions";
      readonly name: QualifiedName;
      readonly partition?: readonly (readonly [string, string])[];
    }
  /** `USE CATALOG c` (catalog: true) or `USE [catalog.]database`. */
  | { readonly kind: "use"; readonly catalog: boolean; readonly name: QualifiedName }
  | { readonly kind: "describe"; readonly name: QualifiedName; readonly extended: boolean }
  | { readonly kind: "explain"; readonly details: readonly string[]; readonly statement: Statement }
  | { readonly kind: "set"; readonly option?: TableOption }
  | { readonly kind: "reset"; readonly key?: string }
  | {
      /** `ALTER TABLE [IF EXISTS] name` and what it changes: its name, or options set or reset. */
      readonly kind: "alterTable";
      readonly name: QualifiedName;
      readonly ifExists: boolean;
      readonly change:
        | { readonly kind: "rename"; readonly to: QualifiedName }
        | { readonly kind: "set"; readonly options: readonly TableOption[] }
        | { readonly kind: "reset"; readonly keys: readonly string[] }
        /** ADD / MODIFY (...) or one element: columns, a primary key, a watermark. */
        | { readonly kind: "add" | "modify"; readonly elements: readonly AlterElement[] }
        | { readonly kind: "dropColumns"; readonly columns: readonly NamedAt[] }
        | { readonly kind: "dropPrimaryKey" }
        | { readonly kind: "dropConstraint"; readonly name: NamedAt }
        | { readonly kind: "dropWatermark" }
        | { readonly kind: "renameColumn"; readonly from: NamedAt; readonly to: NamedAt };
      readonly pos: SourcePos;
    }
  | InsertStatement
  | {
      /**
       * A statement set: `EXECUTE STATEMENT SET BEGIN insert; ... END` or the SQL client's
       * `BEGIN STATEMENT SET; insert; ... END;` (EXPLAIN's is `STATEMENT SET BEGIN ... END`).
       * Its INSERTs run as one job.
       */
      readonly kind: "statementSet";
      readonly inserts: readonly InsertStatement[];
      readonly pos: SourcePos;
    }
  | { readonly kind: "query"; readonly query: Query };

/** `INSERT INTO|OVERWRITE table [(columns)] query`. */
export interface InsertStatement {
  readonly kind: "insert";
  readonly overwrite: boolean;
  readonly table: QualifiedName;
  readonly columns: readonly string[];
  readonly query: Query;
  readonly pos: SourcePos;
  /** The table hint right after the table's name, `/*+ OPTIONS('k' = 'v') *\/`, if any. */
  readonly hint?: HintText;
}

/**
 * The SQL/JSON clauses written inside a JSON function's parentheses after its arguments. A DEFAULT
 * expression is one of the call's arguments (so that every walker of the tree sees it): `default`
 * is its index in `args`.
 */
export interface JsonClauses {
  /** `RETURNING type` (JSON_VALUE). */
  readonly returning?: DataType;
  /** `WITHOUT [ARRAY] WRAPPER` / `WITH [CONDITIONAL | UNCONDITIONAL] [ARRAY] WRAPPER` (JSON_QUERY). */
  readonly wrapper?: "WITHOUT" | "CONDITIONAL" | "UNCONDITIONAL";
  /** `behavior ON EMPTY` / `behavior ON ERROR`, in the order written. */
  readonly on: readonly JsonOnClause[];
  /** `NULL ON NULL` / `ABSENT ON NULL` (JSON_OBJECT, JSON_ARRAY). */
  readonly onNull?: "NULL" | "ABSENT";
}

/** One `behavior ON EMPTY | ERROR` clause. */
export interface JsonOnClause {
  /** NULL, ERROR, TRUE, FALSE, UNKNOWN, DEFAULT, EMPTY ARRAY, EMPTY OBJECT, or another word (refused by the planner). */
  readonly behavior: string;
  /** For DEFAULT: the index of its expression in the call's arguments. */
  readonly default?: number;
  readonly target: "EMPTY" | "ERROR";
  readonly pos: SourcePos;
}
