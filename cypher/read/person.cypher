MATCH (p:Person {person_id: $person_id})
RETURN p.person_id AS person_id, p.status AS status, p.merged_into AS merged_into, p.size AS size,
       p.review AS review, p.golden AS golden, p.created_run AS created_run, p.updated_run AS updated_run
