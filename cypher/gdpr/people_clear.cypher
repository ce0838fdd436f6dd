// Retired people lose their golden record and address history; returns the address keys they
// lived at (pruned afterwards when nothing else holds them).
UNWIND $ids AS id
MATCH (p:Person {person_id: id})
WHERE p.status = 'retired'
OPTIONAL MATCH (p)-[l:LIVED_AT]->(a:Identifier)
WITH p, collect(l) AS links, collect(a.key) AS keys
FOREACH (l IN links | DELETE l)
SET p.golden = null, p.history_hash = null, p.state_hash = null
RETURN keys
