MATCH (r:Record)
WHERE r.record_id > $after
OPTIONAL MATCH (p:Person)-[:HAS_RECORD]->(r)
RETURN r.source AS source, r.source_record_id AS source_record_id, p.person_id AS person_id,
       r.record_id AS record_id
ORDER BY r.record_id
LIMIT $limit
