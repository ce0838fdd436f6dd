// Everyone whose records hold one identifier, with the records that hold it.
MATCH (i:Identifier {key: $key})<-[h:HAS]-(r:Record)<-[:HAS_RECORD]-(p:Person)
RETURN p.person_id AS person_id, r.record_id AS record_id, r.source AS source,
       h.first_seen AS first_seen, h.last_seen AS last_seen
ORDER BY person_id, record_id
