SELECT id, CASE WHEN v > 5 THEN 'big' WHEN v < 0 THEN 'neg' ELSE 'small' END, CASE k WHEN 'a' THEN 1 WHEN 'b' THEN 2 END,
  COALESCE(k, s, 'none'), NULLIF(v, -3), NULLIF(s, ''), IF(v > 0, 'pos', 'nonpos'), COALESCE(v, 0) + 1,
  IS_NULL_TEST, v BETWEEN -3 AND 5, v NOT IN (1, 2, 3), s IS DISTINCT FROM k
FROM (SELECT *, v IS NULL AS IS_NULL_TEST FROM events)
