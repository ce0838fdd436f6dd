// Similarity edges with an endpoint among these records (either direction).
UNWIND $ids AS id
MATCH (:Record {record_id: id})-[e:SIMILAR]-(:Record)
WITH DISTINCT e
DELETE e
