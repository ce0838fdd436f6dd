// Retired people who still hold a golden record or an address history, with when they retired.
MATCH (p:Person {status: 'retired'})
WHERE p.golden IS NOT NULL OR EXISTS { (p)-[:LIVED_AT]->() }
OPTIONAL MATCH (r:Run {run_id: p.updated_run})
RETURN p.person_id AS person_id, p.golden AS golden, r.finished AS retired_at
ORDER BY person_id
