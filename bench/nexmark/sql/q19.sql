-- q19: the ten highest bids of each auction (Nexmark q19, Top-N): compared as final tables.
SELECT * FROM
(SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC) AS rank_number FROM bid)
WHERE rank_number <= 10
