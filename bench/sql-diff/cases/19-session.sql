SELECT window_start, window_end, k, COUNT(*), SUM(v)
FROM TABLE(SESSION(TABLE events PARTITION BY k, DESCRIPTOR(ts), INTERVAL '4' SECOND))
GROUP BY window_start, window_end, k
