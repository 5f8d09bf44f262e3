SELECT e.id, o.oid, e.k, o.k FROM events e FULL OUTER JOIN orders o ON e.k = o.k AND e.v > 0
