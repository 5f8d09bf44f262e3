SELECT id, s LIKE '%l%', s LIKE '_', s NOT LIKE '%o%', s SIMILAR TO '[A-Z]%', s SIMILAR TO '(a|h)%',
  k LIKE '', REGEXP(s, '^[a-z]+$'), REGEXP_REPLACE(s, 'l+', '#'), REGEXP_EXTRACT(s, '([a-z]+)', 1)
FROM events
