SELECT id, v + 1, CAST(v AS BIGINT) * 2, v * 2, 1.0 * v / 3, EXP(0), LN(1), SQRT(ABS(d)), LOG10(100), PI(), BIN(ABS(v)), HEX(ABS(v))
FROM events WHERE v IS NOT NULL
