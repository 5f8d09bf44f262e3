SELECT id, v, (SELECT MAX(amount) FROM orders) AS mx, (SELECT COUNT(*) FROM orders o WHERE o.k = e.k) AS c FROM events e
