// Active people flagged for review.
MATCH (p:Person {status: 'active'})
WHERE p.review = true
RETURN p.person_id AS person_id, p.size AS size, p.golden AS golden, p.updated_run AS updated_run
ORDER BY person_id
