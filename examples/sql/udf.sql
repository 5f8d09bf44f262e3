-- TypeScript functions in SQL: `fleuve sql -f examples/sql/udf.sql`.
CREATE TEMPORARY FUNCTION count_char AS './udfs.ts#countChar' LANGUAGE TYPESCRIPT;
CREATE TEMPORARY FUNCTION words AS './udfs.ts#words';
SELECT word, len, count_char(word, 'c') AS cs
FROM (VALUES ('cocoa tea'), ('coffee')) AS t (sentence), LATERAL TABLE(words(sentence));
