// record_id -> person_id of the latest run (active people), as two columns in record_id order.
MATCH (p:Person {status: 'active'})-[:HAS_RECORD]->(r:Record)
WITH r.record_id AS record_id, p.person_id AS person_id ORDER BY record_id
RETURN collect(record_id) AS record_id, collect(person_id) AS person_id
