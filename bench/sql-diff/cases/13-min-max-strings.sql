SELECT k, MIN(s), MAX(s), MIN(ts), MAX(price), MIN(d), MAX(v), LISTAGG(s), FIRST_VALUE(s), LAST_VALUE(v)
FROM events GROUP BY k
