SELECT k, id, v, rn FROM (
  SELECT k, id, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC) AS rn FROM events
) WHERE rn <= 2
