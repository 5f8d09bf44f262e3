-- Statements for the shell: `fleuve sql < examples/sql/shell-session.sql`.
CREATE TABLE orders (id INT, amount DOUBLE) WITH (
  'connector' = 'datagen', 'rows-per-second' = '0',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '4',
  'fields.amount.min' = '1', 'fields.amount.max' = '1');
SELECT MOD(id, 2) AS parity, COUNT(*) AS orders, SUM(amount) AS total
FROM orders
GROUP BY MOD(id, 2);
SET 'sql-client.execution.result-mode' = 'tableau';
SELECT MOD(id, 2) AS parity, COUNT(*) AS orders FROM orders GROUP BY MOD(id, 2);
QUIT;
