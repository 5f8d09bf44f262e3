SELECT k, AVG(v), AVG(d), AVG(price), SUM(price), AVG(CAST(v AS DOUBLE)), AVG(DISTINCT v), SUM(d)
FROM events GROUP BY k
