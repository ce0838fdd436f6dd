// The identifier keys the records still hold (read before they are purged).
UNWIND $ids AS id
MATCH (:Record {record_id: id})-[:HAS]->(i:Identifier)
RETURN collect(DISTINCT i.key) AS keys
