// Every similarity edge with a record of one of these people at either end, with both ends' people.
UNWIND $ids AS pid
MATCH (:Person {person_id: pid})-[:HAS_RECORD]->(:Record)-[e:SIMILAR]-(:Record)
WITH DISTINCT e
WITH e, startNode(e) AS a, endNode(e) AS b
OPTIONAL MATCH (pa:Person)-[:HAS_RECORD]->(a)
OPTIONAL MATCH (pb:Person)-[:HAS_RECORD]->(b)
RETURN a.record_id AS record_a, b.record_id AS record_b, e.weight AS weight, e.probability AS probability,
       e.tier AS tier, e.levels AS levels, pa.person_id AS person_a, pb.person_id AS person_b
ORDER BY record_a, record_b
