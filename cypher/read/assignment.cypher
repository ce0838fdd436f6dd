MATCH (p:Person {status: 'active'})-[:HAS_RECORD]->(r:Record)
RETURN r.record_id AS record_id, p.person_id AS person_id ORDER BY record_id
