MATCH (a:Record)-[e:SIMILAR]->(b:Record)
WHERE a.record_id > $after_a OR (a.record_id = $after_a AND b.record_id > $after_b)
RETURN a.record_id AS record_a, b.record_id AS record_b, e.probability AS probability, e.tier AS tier,
       e.levels AS levels
ORDER BY record_a, record_b
LIMIT $limit
