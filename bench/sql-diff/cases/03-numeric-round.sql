SELECT id, ROUND(d, 1), ROUND(price, 1), ROUND(v, -1), FLOOR(d), CEIL(d), ABS(v), MOD(v, 3), SIGN(d),
  TRUNCATE(d, 1), POWER(v, 2), v / 2, v * 1.5, price * 2, price / 3
FROM events WHERE v IS NOT NULL
