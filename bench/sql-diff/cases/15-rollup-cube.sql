SELECT k, SIGN(v) AS sg, COUNT(*), MAX(id) FROM events GROUP BY CUBE (k, SIGN(v))
