-- q4: average winning (max) price per category, over bids within the auction's lifetime.
-- Mini-batch as in Nexmark's flink-conf.yaml: each auction's MAX and each category's AVG change
-- once per bundle of up to 2 s or 50,000 rows.
SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '2 s';
SET 'table.exec.mini-batch.size' = '50000';
SELECT Q.category, AVG(Q.final) AS avg_final 
FROM ( SELECT MAX(B.price) AS final, A.category 
FROM auction A, bid B 
WHERE A.id = B.auction AND B.dateTime BETWEEN A.dateTime AND A.expires 
GROUP BY A.id, A.category) Q 
GROUP BY Q.category
