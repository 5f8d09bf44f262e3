SELECT id, UPPER(s), LOWER(s), CHAR_LENGTH(s), TRIM(s), LTRIM(s), RTRIM(s), SUBSTRING(s, 2, 3),
  CONCAT(s, '|', k), CONCAT_WS('-', k, s), POSITION('l' IN s), REVERSE(s), INITCAP(s)
FROM events
