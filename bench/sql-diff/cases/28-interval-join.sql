SELECT e.id, o.oid FROM events e, orders o
WHERE e.k = o.k AND o.ots BETWEEN e.ts - INTERVAL '3' SECOND AND e.ts + INTERVAL '2' SECOND
