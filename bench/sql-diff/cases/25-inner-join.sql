SELECT e.id, o.oid, e.k, o.amount + e.v FROM events e JOIN orders o ON e.k = o.k
