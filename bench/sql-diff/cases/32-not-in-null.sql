SELECT id, k FROM events WHERE v NOT IN (SELECT amount / 10 FROM orders)
