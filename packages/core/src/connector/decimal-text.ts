/**
 * DECIMAL values as text. SQL holds a DECIMAL as a double; its value is taken to be the double's
 * shortest text (what `String` gives, the decimal the double was read from or rounded to), never
 * the double's binary expansion: `toFixed(13)` of 33333.33 shows 33333.3300000000017, a digit no
 * DecimalData ever holds, where this text shows 33333.3300000000000 as Flink does.
 */

/**
 * `v` at scale `scale` in plain notation (`1.50`, `-0.05`, `123`): the digits of its shortest
 * text, rounded HALF_UP to `scale` digits (as DecimalData.fromBigDecimal rounds) or padded with
 * zeros to them; a zero has no sign. NaN and the infinities are their JavaScript text.
 */
export function plainDecimalText(v: number, scale: number): string {
  if (!Number.isFinite(v)) return String(v);
  const shortest = String(Math.abs(v));
  // The common case: no exponent and no more fraction digits than the scale, so padding suffices.
  if (!shortest.includes("e")) {
    const point = shortest.indexOf(".");
    const fraction = point < 0 ? 0 : shortest.length - point - 1;
    if (fraction <= scale) {
      const body =
        scale === 0 ? shortest : `${point < 0 ? `${shortest}.` : shortest}${"0".repeat(scale - fraction)}`;
      return v < 0 ? `-${body}` : body;
    }
  }
  // toExponential() without an argument gives the shortest digits too, with the exponent apart.
  const [mantissa, exponent] = Math.abs(v).toExponential().split("e") as [string, string];
  const digits = mantissa.replace(".", "");
  const kept = 1 + Number(exponent) + scale; // how many of the digits stand before the scale's end
  let unscaled: string;
  if (kept <= 0) unscaled = kept === 0 && (digits[0] ?? "0") >= "5" ? "1" : "0";
  else if (kept >= digits.length) unscaled = digits.padEnd(kept, "0");
  else {
    unscaled = digits.slice(0, kept);
    if ((digits[kept] ?? "0") >= "5") unscaled = String(BigInt(unscaled) + 1n);
  }
  unscaled = unscaled.replace(/^0+(?=\d)/, "");
  const padded = unscaled.padStart(scale + 1, "0");
  const body = scale === 0 ? padded : `${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
  return v < 0 && /[1-9]/.test(unscaled) ? `-${body}` : body;
}

/**
 * A DECIMAL(p, s) as Java's BigDecimal.toString writes it at scale `scale`: plain (`11.00`), or
 * with `scientific` in scientific notation when its adjusted exponent is below -6 (`1E-8`,
 * `1.5E-7`, `0E-13` for a zero of scale 13), as Flink's print connector and its csv and json
 * formats write it.
 */
export function bigDecimalText(v: number, scale: number, scientific: boolean): string {
  const plain = plainDecimalText(v, scale);
  if (!scientific || scale <= 0 || !Number.isFinite(v)) return plain;
  const negative = plain.startsWith("-");
  const digits = plain.replace(/[-.]/g, "").replace(/^0+/, "") || "0";
  const adjusted = digits.length - 1 - scale;
  if (adjusted >= -6) return plain;
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${negative ? "-" : ""}${mantissa}E${adjusted}`;
}
