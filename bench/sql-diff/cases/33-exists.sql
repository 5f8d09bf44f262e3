SELECT id FROM events e WHERE EXISTS (SELECT 1 FROM orders o WHERE o.k = e.k AND o.amount > e.v)
