// Similarity edges with both endpoints among these records (each found once, from its start).
UNWIND $ids AS id
MATCH (:Record {record_id: id})-[e:SIMILAR]->(b:Record)
WHERE b.record_id IN $ids
DELETE e
