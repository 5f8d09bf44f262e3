SELECT e.id, o.oid, COALESCE(o.amount, -1) FROM events e LEFT JOIN orders o ON e.k = o.k
