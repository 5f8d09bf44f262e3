SELECT k, COUNT(*) AS c, MAX(v) - MIN(v) FROM events GROUP BY k HAVING COUNT(*) > 1
