// Which of these person ids are not an active person.
UNWIND $ids AS id
OPTIONAL MATCH (p:Person {person_id: id})
WITH id, p
WHERE p IS NULL OR p.status <> 'active'
WITH DISTINCT id ORDER BY id
RETURN collect(id) AS missing
