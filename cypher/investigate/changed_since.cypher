// Records created or changed since a date/time (ISO), newest first, with their person.
MATCH (r:Record) WHERE r.updated_at >= $since
OPTIONAL MATCH (p:Person)-[:HAS_RECORD]->(r)
RETURN r.record_id AS record_id, r.source AS source, r.updated_at AS updated_at,
       p.person_id AS person_id
ORDER BY updated_at DESC, record_id
LIMIT $limit
