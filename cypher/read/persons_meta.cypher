MATCH (p:Person) RETURN p.person_id AS person_id, p.created_run AS created_run, p.status AS status
ORDER BY person_id
