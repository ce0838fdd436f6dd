MATCH (:Person {person_id: $person_id})-[:HAS_RECORD]->(r:Record)
RETURN properties(r) AS props ORDER BY r.record_id
