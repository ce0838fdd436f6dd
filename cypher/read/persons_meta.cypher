// Every person id ever issued, as columns in person_id order (created_run may be null).
MATCH (p:Person)
WITH p ORDER BY p.person_id
WITH collect(p) AS ps
RETURN [x IN ps | x.person_id] AS person_id, [x IN ps | x.created_run] AS created_run,
       [x IN ps | x.status] AS status
