SELECT window_start, window_end, k, COUNT(*), SUM(v), MAX(s), window_time
FROM TABLE(TUMBLE(TABLE events, DESCRIPTOR(ts), INTERVAL '5' SECOND))
GROUP BY window_start, window_end, window_time, k
