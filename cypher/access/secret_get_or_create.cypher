// A named secret; the candidate is stored when there is none yet (the name's uniqueness
// constraint makes concurrent first calls agree on one value).
MERGE (s:Secret {name: $name})
ON CREATE SET s.value = $candidate, s.created_at = $created_at
RETURN s.value AS value
