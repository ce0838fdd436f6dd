// Every record's HAS_RECORD link(s) as it stands (any person status), as two columns: the
// differential write of a resolve relinks only the records whose person changed.
MATCH (p:Person)-[:HAS_RECORD]->(r:Record)
RETURN collect(r.record_id) AS record_id, collect(p.person_id) AS person_id
