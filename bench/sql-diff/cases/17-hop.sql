SELECT window_start, window_end, COUNT(*), SUM(v), COUNT(DISTINCT k)
FROM TABLE(HOP(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECOND, INTERVAL '10' SECOND))
GROUP BY window_start, window_end
