UNWIND $ids AS id
MATCH (a:Record)-[e:SIMILAR]->(b:Record)
WHERE a.record_id = id OR b.record_id = id
RETURN DISTINCT a.record_id AS record_a, b.record_id AS record_b, e.weight AS weight,
       e.probability AS probability, e.tier AS tier, e.levels AS levels
ORDER BY record_a, record_b
