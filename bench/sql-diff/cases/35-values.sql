SELECT a, b, c, a / b, a % b, CAST(a AS DECIMAL(5, 2)) / 3, c || '!' FROM (VALUES (7, 2, 'x'), (-7, 2, ''), (7, -2, CAST(NULL AS STRING)), (0, 5, 'ü')) AS t (a, b, c)
