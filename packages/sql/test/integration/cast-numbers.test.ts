// CAST between numbers (and BOOLEAN to and from numbers), as Flink 1.20 casts them:
// - to TINYINT, SMALLINT, INT from an integer type: Java's narrowing, the low bits as two's
//   complement (NumericPrimitiveCastRule: `(byte) x`), so CAST(300 AS TINYINT) is 44;
// - to an integer type from FLOAT or DOUBLE: Java's (long) / (int) cast (fraction dropped toward
//   zero, NaN is 0, past the range the range's end), then narrowing for TINYINT and SMALLINT;
// - to an integer type from DECIMAL (DecimalDataUtils.castToIntegral): fraction dropped toward
//   zero, the low 64 bits as a long, then narrowing;
// - to DECIMAL(p, s) (NumericPrimitiveToDecimalCastRule, DecimalToDecimalCastRule,
//   DecimalData.fromBigDecimal): BigDecimal.valueOf of the long or double (a double's shortest
//   text) or the DECIMAL's digits, rounded HALF_UP to s digits, NULL (not a failure) when it then
//   needs more than p digits; NaN and the infinities fail (BigDecimal refuses them);
// - BOOLEAN to a number is 1 or 0 (BooleanToNumericCastRule), a number to BOOLEAN is `<> 0`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FleuveError } from "@fleuve/core";
import { type Row, sql } from "@fleuve/sql";
import fc from "fast-check";
import { env, one } from "../fixtures/one-row.js";

/** A numeric row of the view `t`; each column may be NULL. */
interface NumberRow {
  id: number;
  n: number | null; // INT
  b: number | null; // BIGINT
  x: number | null; // DOUBLE
  d: number | null; // DECIMAL(15, 3)
}

/** The rows of `query` over a view `t` of `rows` (id INT, n INT, b BIGINT, x DOUBLE, d DECIMAL(15, 3)). */
async function overNumbers(rows: readonly NumberRow[], query: string): Promise<Row[]> {
  const e = env();
  const tEnv = sql(e);
  tEnv.createTemporaryView(
    "t",
    e.fromCollection([...rows]),
    "id INT, n INT, b BIGINT, x DOUBLE, d DECIMAL(15, 3)",
  );
  return (await tEnv.executeSql(query)).collect();
}

test("integer types narrow as Java does: the low bits, two's complement", async () => {
  const { row, types } = await one(
    `SELECT CAST(300 AS TINYINT) AS t300, CAST(-129 AS TINYINT) AS tm129, CAST(128 AS TINYINT) AS t128,
       CAST(127 AS TINYINT) AS t127, CAST(-128 AS TINYINT) AS tm128, CAST(256 AS TINYINT) AS t256,
       CAST(70000 AS SMALLINT) AS s70000, CAST(32768 AS SMALLINT) AS s32768,
       CAST(3000000000 AS INT) AS i3e9, CAST(CAST(300 AS SMALLINT) AS TINYINT) AS via_smallint,
       CAST(4294967296 AS INT) AS i2p32, CAST(-2147483649 AS INT) AS wrap_up,
       CAST(300 AS BIGINT) AS widened, CAST(300 AS DOUBLE) AS dbl`,
  );
  assert.deepEqual(types.slice(0, 2), ["t300 TINYINT NOT NULL", "tm129 TINYINT NOT NULL"]);
  assert.ok(
    types.includes("s70000 SMALLINT NOT NULL") &&
      types.includes("i3e9 INT NOT NULL") &&
      types.includes("widened BIGINT NOT NULL"),
  );
  assert.deepEqual(row, {
    t300: 44,
    tm129: 127,
    t128: -128,
    t127: 127,
    tm128: -128,
    t256: 0,
    s70000: 4464,
    s32768: -32768,
    i3e9: -1294967296,
    via_smallint: 44,
    i2p32: 0,
    wrap_up: 2147483647,
    widened: 300,
    dbl: 300,
  });
});

test("DOUBLE to integer types: Java's (long) and (int) casts, then narrowing", async () => {
  const { row } = await one(
    `SELECT CAST(3.9e0 AS INT) AS pos, CAST(-3.9e0 AS INT) AS neg, CAST(-0.5e0 AS INT) AS negzero,
       CAST(CAST('NaN' AS DOUBLE) AS INT) AS nan, CAST(CAST('NaN' AS DOUBLE) AS BIGINT) AS nanlong,
       CAST(1e10 AS INT) AS big, CAST(-1e10 AS INT) AS small,
       CAST(1e10 AS SMALLINT) AS bigshort, CAST(-1e10 AS SMALLINT) AS smallshort,
       CAST(1e10 AS TINYINT) AS bigbyte, CAST(300.7e0 AS TINYINT) AS byte300,
       CAST(1e20 AS BIGINT) AS biglong, CAST(CAST('-Infinity' AS DOUBLE) AS BIGINT) AS neginf,
       CAST(CAST('Infinity' AS DOUBLE) AS INT) AS posinf, CAST(CAST(2.5 AS FLOAT) AS INT) AS fromfloat`,
  );
  assert.deepEqual(row, {
    pos: 3,
    neg: -3,
    negzero: 0,
    nan: 0,
    nanlong: 0,
    big: 2147483647,
    small: -2147483648,
    bigshort: -1, // (short) (int) 1e10: the low 16 bits of 2147483647
    smallshort: 0, // the low 16 bits of -2147483648
    bigbyte: -1,
    byte300: 44,
    biglong: 2n ** 63n - 1n, // Long.MAX_VALUE, held exactly (a bigint)
    neginf: -(2n ** 63n),
    posinf: 2147483647,
    fromfloat: 2,
  });
  assert.ok(Object.is(row.negzero, 0), "not -0");
});

test("DECIMAL to integer types: the fraction dropped toward zero, then the low bits", async () => {
  const { row } = await one(
    `SELECT CAST(3.9 AS INT) AS pos, CAST(-3.9 AS INT) AS neg, CAST(300.5 AS TINYINT) AS byte300,
       CAST(-0.9 AS INT) AS negzero, CAST(99999999999.9 AS INT) AS wrapped,
       CAST(CAST('1e25' AS DECIMAL(38, 0)) AS BIGINT) AS long_low_bits,
       CAST(CAST('1e25' AS DECIMAL(38, 0)) AS INT) AS int_low_bits, CAST(1.5 AS BIGINT) AS long`,
  );
  assert.deepEqual(row, {
    pos: 3,
    neg: -3,
    byte300: 44,
    negzero: 0,
    wrapped: 1215752191, // 99999999999 - 23 * 2^32
    // 10^25 mod 2^64 as a signed long (1590897978359414784), read from the DECIMAL's digits, not
    // from the double 1e25 holds (which would give 1590897979265384448).
    long_low_bits: BigInt.asIntN(64, 10n ** 25n),
    int_low_bits: Number(BigInt.asIntN(32, 10n ** 25n)),
    long: 1,
  });
  assert.ok(Object.is(row.negzero, 0), "not -0");
});

test("CAST to DECIMAL rounds HALF_UP from the digits and gives NULL past the precision", async () => {
  const { row, types } = await one(
    `SELECT CAST(1.005 AS DECIMAL(5, 2)) AS up, CAST(-1.005 AS DECIMAL(5, 2)) AS down,
       CAST(1.004999 AS DECIMAL(5, 2)) AS below, CAST(2.5 AS DECIMAL(1, 0)) AS half,
       CAST(99.995 AS DECIMAL(4, 2)) AS carry_overflow, CAST(99.994 AS DECIMAL(4, 2)) AS fits,
       CAST(1000 AS DECIMAL(5, 2)) AS int_overflow, CAST(999 AS DECIMAL(5, 2)) AS int_fits,
       CAST(1.005e0 AS DECIMAL(5, 2)) AS double_up, CAST(-2.675e0 AS DECIMAL(5, 2)) AS double_down,
       CAST(0.1e0 + 0.2e0 AS DECIMAL(20, 17)) AS double_digits, CAST(1e3 AS DECIMAL(3, 0)) AS double_overflow,
       CAST(1e-7 AS DECIMAL(10, 6)) AS tiny, CAST(9007199254740991 AS DECIMAL(16, 0)) AS bigint,
       CAST(7.5 AS DECIMAL) AS default_type, CAST(0.05 AS DECIMAL(1, 1)) AS leading_zero,
       CAST(TRUE AS DECIMAL(3, 1)) AS yes, CAST(FALSE AS DECIMAL(3, 1)) AS no, CAST(TRUE AS DECIMAL(1, 1)) AS yes_overflow,
       CAST(CAST(1.5 AS FLOAT) AS DECIMAL(3, 0)) AS from_float`,
  );
  assert.deepEqual(types.slice(0, 2), ["up DECIMAL(5, 2) NOT NULL", "down DECIMAL(5, 2) NOT NULL"]);
  assert.ok(types.includes("default_type DECIMAL(10, 0) NOT NULL"));
  assert.deepEqual(row, {
    up: 1.01,
    down: -1.01,
    below: 1,
    half: 3,
    carry_overflow: null, // 100.00 needs 5 digits: fromBigDecimal's null, kept by the cast
    fits: 99.99,
    int_overflow: null,
    int_fits: 999,
    double_up: 1.01, // BigDecimal.valueOf(1.005) is 1.005, not the 1.00499... the double holds
    double_down: -2.68,
    double_digits: 0.30000000000000004,
    double_overflow: null,
    tiny: 0,
    bigint: 9007199254740991,
    default_type: 8,
    leading_zero: 0.1, // 0.05 rounds up; leading zeros do not count against the precision
    yes: 1,
    no: 0,
    yes_overflow: null,
    from_float: 2,
  });
});

test("CAST of NaN or an infinity to DECIMAL fails naming the record; TRY_CAST gives NULL; NULL stays NULL", async () => {
  const rows: NumberRow[] = [
    { id: 0, n: null, b: null, x: null, d: null },
    { id: 1, n: 1, b: 2, x: Number.NaN, d: 1.5 },
    { id: 2, n: 1, b: 2, x: Number.POSITIVE_INFINITY, d: 1.5 },
  ];
  const got = await overNumbers(
    rows,
    `SELECT id, TRY_CAST(x AS DECIMAL(5, 2)) AS xd, CAST(n AS TINYINT) AS nt, CAST(b AS DECIMAL(3, 1)) AS bd,
       CAST(d AS INT) AS di, CAST(d AS DOUBLE) AS dx, CAST(x AS INT) AS xi, CAST(x AS DOUBLE) AS xx FROM t`,
  );
  assert.deepEqual(got, [
    { id: 0, xd: null, nt: null, bd: null, di: null, dx: null, xi: null, xx: null },
    { id: 1, xd: null, nt: 1, bd: 2, di: 1, dx: 1.5, xi: 0, xx: Number.NaN },
    { id: 2, xd: null, nt: 1, bd: 2, di: 1, dx: 1.5, xi: 2147483647, xx: Number.POSITIVE_INFINITY },
  ]);
  for (const id of [1, 2]) {
    let caught: unknown;
    await assert.rejects(
      overNumbers(rows, `SELECT CAST(x AS DECIMAL(5, 2)) AS v FROM t WHERE id = ${id}`),
      (err) => {
        caught = err;
        return true;
      },
    );
    assert.ok(caught instanceof FleuveError, String(caught));
    assert.equal(caught.code, "FLEUVE_USER_FUNCTION_FAILED");
    assert.match(
      caught.message,
      /cannot cast (NaN|Infinity) to DECIMAL\(5, 2\): a DECIMAL is a finite number/,
    );
    assert.equal((caught.details?.record as Row | undefined)?.id, id);
  }
});

test("DECIMAL to DOUBLE keeps the value (to FLOAT rounds it to 32 bits); BOOLEAN to numbers is 1 or 0; numbers to BOOLEAN are <> 0", async () => {
  const { row, types } = await one(
    `SELECT CAST(1.005 AS DOUBLE) AS dx, CAST(-0.1 AS FLOAT) AS df,
       CAST(TRUE AS TINYINT) AS tt, CAST(FALSE AS INT) AS fi, CAST(TRUE AS BIGINT) AS tb,
       CAST(TRUE AS DOUBLE) AS td, CAST(FALSE AS FLOAT) AS ff,
       CAST(0.0 AS BOOLEAN) AS zero_dec, CAST(0.5 AS BOOLEAN) AS half_dec, CAST(2 AS BOOLEAN) AS two,
       CAST(0 AS BOOLEAN) AS zero, CAST(-1e-300 AS BOOLEAN) AS tiny_double,
       5. AS int_literal, 3000000000 AS bigint_literal`,
  );
  // A CAST of a literal is NOT NULL, as its operand (Flink's SqlCastFunction).
  assert.ok(
    types.includes("dx DOUBLE NOT NULL") &&
      types.includes("tt TINYINT NOT NULL") &&
      types.includes("td DOUBLE NOT NULL"),
    types.join(),
  );
  // Flink (Calcite) types `5.` as INT and an integer literal past INT's range as BIGINT, NOT NULL.
  assert.ok(
    types.includes("int_literal INT NOT NULL") && types.includes("bigint_literal BIGINT NOT NULL"),
    types.join(),
  );
  assert.deepEqual(row, {
    dx: 1.005,
    df: Math.fround(-0.1), // a Java float: Flink prints -0.1, its value is -0.10000000149011612
    tt: 1,
    fi: 0,
    tb: 1,
    td: 1,
    ff: 0,
    zero_dec: false,
    half_dec: true,
    two: true,
    zero: false,
    tiny_double: true,
    int_literal: 5,
    bigint_literal: 3000000000,
  });
});

// --- Brute-force references, written from Java's and BigDecimal's rules with BigInt ---

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const BITS = { TINYINT: 8, SMALLINT: 16, INT: 32, BIGINT: 64 } as const;
type IntegerType = keyof typeof BITS;
const INTEGER_TYPES = Object.keys(BITS) as IntegerType[];

/** Java's narrowing of the long `n` to `type`. */
const narrow = (n: bigint, type: IntegerType): number => {
  const v = BigInt.asIntN(BITS[type], n);
  // A BIGINT past 2^53 is a bigint (the canonical long of @fleuve/core's long.ts).
  return (Number.isSafeInteger(Number(v)) ? Number(v) + 0 : v) as number;
};

/** Java's `(type) d` for a double `d`: to long or int first (saturating, NaN 0), then narrowing. */
function referenceDoubleToInteger(d: number, type: IntegerType): number {
  if (Number.isNaN(d)) return 0;
  const [min, max] = type === "BIGINT" ? [LONG_MIN, LONG_MAX] : [INT_MIN, INT_MAX];
  let whole: bigint;
  if (d >= Number(max)) whole = max;
  else if (d <= Number(min)) whole = min;
  else whole = BigInt(Math.trunc(d));
  return narrow(whole, type);
}

/** The exact value of decimal text `text` (with an optional exponent) as [unscaled, scale]. */
function exactDecimal(text: string): [bigint, number] {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(text);
  if (m === null) throw new Error(`not decimal text: ${text}`);
  const frac = m[3] ?? "";
  let unscaled = BigInt(`${m[2]}${frac}`);
  let scale = frac.length - Number(m[4] ?? "0");
  if (scale < 0) {
    unscaled *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return [m[1] === "-" ? -unscaled : unscaled, scale];
}

/** BigDecimal(text).setScale(scale, HALF_UP), null when it then needs more than `precision` digits. */
function referenceDecimal(text: string, precision: number, scale: number): number | null {
  const [unscaled, from] = exactDecimal(text);
  const negative = unscaled < 0n;
  const magnitude = negative ? -unscaled : unscaled;
  let rounded: bigint;
  if (from <= scale) rounded = magnitude * 10n ** BigInt(scale - from);
  else {
    const divisor = 10n ** BigInt(from - scale);
    rounded = magnitude / divisor + ((magnitude % divisor) * 2n >= divisor ? 1n : 0n);
  }
  if (rounded >= 10n ** BigInt(precision)) return null;
  const value = Number(`${rounded}e-${scale}`);
  return negative && value !== 0 ? -value : value;
}

/** castToIntegral: the DECIMAL's digits rounded down, the low 64 bits, then narrowing. */
function referenceDecimalToInteger(text: string, type: IntegerType): number {
  const [unscaled, scale] = exactDecimal(text);
  return narrow(BigInt.asIntN(64, unscaled / 10n ** BigInt(scale)), type);
}

/** Decimal text of at most 15 significant digits (so a double holds it and prints it back) and 3 decimals. */
const decimalText = fc
  .tuple(fc.boolean(), fc.stringMatching(/^[1-9]\d{0,11}$|^0$/), fc.stringMatching(/^\d{0,3}$/))
  .map(([negative, whole, frac]) => `${negative ? "-" : ""}${whole}${frac === "" ? "" : `.${frac}`}`);

const doubles = fc.oneof(
  fc.double(),
  fc.integer({ min: -10_000_000, max: 10_000_000 }).map((n) => n / 1000), // x.xx5 and the like
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 63, -(2 ** 63), 2.5, -2.5, 1.005, 1e300),
);

const numberRows = fc.array(
  fc.record({
    n: fc.option(fc.integer(), { nil: null }),
    b: fc.option(fc.maxSafeInteger(), { nil: null }),
    x: fc.option(doubles, { nil: null }),
    d: fc.option(decimalText, { nil: null }),
  }),
  { minLength: 1, maxLength: 12 },
);

test("property: numeric casts equal a brute-force reading of Java's narrowing and BigDecimal's HALF_UP", async () => {
  await fc.assert(
    fc.asyncProperty(
      numberRows,
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 1, max: 16 }),
      async (generated, scale, wholeDigits) => {
        const precision = wholeDigits + scale;
        const decimal = `DECIMAL(${precision}, ${scale})`;
        const rows: NumberRow[] = generated.map((r, id) => ({
          id,
          ...r,
          d: r.d === null ? null : Number(r.d),
        }));
        const columns = INTEGER_TYPES.flatMap((type) =>
          ["n", "b", "x", "d"].map((col) => `CAST(${col} AS ${type}) AS ${col}_${type}`),
        );
        const got = await overNumbers(
          rows,
          `SELECT id, ${columns.join(", ")}, CAST(n AS ${decimal}) AS n_dec, CAST(b AS ${decimal}) AS b_dec,
             TRY_CAST(x AS ${decimal}) AS x_dec, CAST(d AS ${decimal}) AS d_dec, CAST(d AS DOUBLE) AS d_double FROM t`,
        );
        const expected = generated.map((r, id) => {
          const row: Row = { id };
          for (const type of INTEGER_TYPES) {
            row[`n_${type}`] = r.n === null ? null : narrow(BigInt(r.n), type);
            row[`b_${type}`] = r.b === null ? null : narrow(BigInt(r.b), type);
            row[`x_${type}`] = r.x === null ? null : referenceDoubleToInteger(r.x, type);
            row[`d_${type}`] = r.d === null ? null : referenceDecimalToInteger(r.d, type);
          }
          row.n_dec = r.n === null ? null : referenceDecimal(String(r.n), precision, scale);
          row.b_dec = r.b === null ? null : referenceDecimal(String(r.b), precision, scale);
          // BigDecimal.valueOf(double) reads the double's shortest text (Double.toString).
          row.x_dec =
            r.x === null || !Number.isFinite(r.x) ? null : referenceDecimal(String(r.x), precision, scale);
          row.d_dec = r.d === null ? null : referenceDecimal(r.d, precision, scale);
          row.d_double = r.d === null ? null : Number(r.d);
          return row;
        });
        assert.equal(got.length, expected.length);
        for (const [i, g] of got.entries())
          assert.deepEqual(g, expected[i], `${JSON.stringify(rows[i])} ${decimal}`);
      },
    ),
    { numRuns: 40 },
  );
});
