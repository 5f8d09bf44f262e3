SELECT id, k FROM events WHERE k IN (SELECT k FROM orders WHERE amount > 50)
