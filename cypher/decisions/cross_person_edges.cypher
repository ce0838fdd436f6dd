// Similarity edges of one tier between records of two different people.
MATCH (pa:Person)-[:HAS_RECORD]->(a:Record)-[e:SIMILAR]->(b:Record)<-[:HAS_RECORD]-(pb:Person)
WHERE e.tier = $tier AND pa <> pb
RETURN a.record_id AS record_a, b.record_id AS record_b, e.weight AS weight, e.probability AS probability,
       e.tier AS tier, e.levels AS levels, pa.person_id AS person_a, pb.person_id AS person_b
ORDER BY record_a, record_b
