UNWIND $person_ids AS pid
MATCH (p:Person {person_id: pid})
WHERE p.status = 'active'
RETURN p.person_id AS person_id, p.golden AS golden
