/** Modulo of window arithmetic. */

/**
 * `x` modulo `m` in [0, m) for m > 0, as `((x % m) + m) % m` gives it: for integers up to 2^52
 * (timestamps in ms) by a division, since V8's `%` of numbers beyond 32 bits calls fmod, and the
 * thinning select computes it for every row. `q * m` and `x - q * m` are exact there, and the
 * floor of the rounded quotient is off by at most one, which the corrections undo.
 */
export function floorMod(x: number, m: number): number {
  if (Number.isSafeInteger(x) && Number.isSafeInteger(m) && Math.abs(x) <= 2 ** 52 && m <= 2 ** 52) {
    const r = x - Math.floor(x / m) * m;
    return r < 0 ? r + m : r >= m ? r - m : r;
  }
  return ((x % m) + m) % m;
}
