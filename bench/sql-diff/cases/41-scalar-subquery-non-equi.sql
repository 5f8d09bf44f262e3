-- Scalar and aggregating subqueries correlated by non-equi conditions (Calcite's decorrelation:
-- a join with the outer query's distinct values, then an aggregate); a NULL e.v gets COUNT 0.
SELECT id, v,
  (SELECT COUNT(*) FROM orders o WHERE o.amount > e.v) AS n,
  (SELECT MAX(o.amount) FROM orders o WHERE o.k = e.k AND o.amount < e.v * 20) AS m
FROM events e
WHERE e.v < (SELECT AVG(o.amount) FROM orders o WHERE o.oid > e.id)
