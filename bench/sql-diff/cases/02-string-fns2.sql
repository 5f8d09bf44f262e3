SELECT id, LPAD(s, 8, '*'), RPAD(s, 8, '.'), REPLACE(s, 'l', 'L'), REPEAT(k, 2), SPLIT_INDEX(s, ' ', 1),
  LEFT(s, 2), RIGHT(s, 2), OVERLAY(s PLACING 'XY' FROM 2 FOR 1), s || k, ASCII(s), LOCATE('e', s)
FROM events
