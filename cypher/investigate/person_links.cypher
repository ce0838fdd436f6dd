// One hop of the person graph: the people sharing an identifier (of $kinds) with any of $ids.
UNWIND $ids AS pid
MATCH (p:Person {person_id: pid})-[:HAS_RECORD]->(:Record)-[:HAS]->(i:Identifier)<-[:HAS]-(:Record)<-[:HAS_RECORD]-(q:Person)
WHERE i.kind IN $kinds AND q.person_id <> pid AND q.status = 'active'
RETURN DISTINCT pid AS person_id, q.person_id AS other_person_id, i.kind AS kind, i.value AS value
ORDER BY person_id, other_person_id, kind, value
