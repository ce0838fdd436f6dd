// Everyone whose records hold one identifier, with the records that hold it (a record sees an
// identifier on its record date).
MATCH (i:Identifier {key: $key})<-[:HAS]-(r:Record)<-[:HAS_RECORD]-(p:Person)
RETURN p.person_id AS person_id, r.record_id AS record_id, r.source AS source,
       r.record_date AS first_seen, r.record_date AS last_seen
ORDER BY person_id, record_id
