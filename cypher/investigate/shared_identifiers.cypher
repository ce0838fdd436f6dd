// Identifiers held by records of more than one person, most people first: a phone on five
// unrelated people is more unusual than one on a couple. $kinds limits the kinds.
MATCH (i:Identifier)<-[:HAS]-(:Record)<-[:HAS_RECORD]-(p:Person)
WHERE i.kind IN $kinds
WITH i, count(DISTINCT p) AS people, collect(DISTINCT p.person_id) AS person_ids
WHERE people >= $min_people
RETURN i.kind AS kind, i.value AS value, people, person_ids
ORDER BY people DESC, kind, value
LIMIT $limit
