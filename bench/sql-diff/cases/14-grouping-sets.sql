SELECT k, v > 0 AS pos, COUNT(*), SUM(v), GROUPING(k), GROUPING_ID(k, v > 0)
FROM events GROUP BY GROUPING SETS ((k, v > 0), (k), ())
