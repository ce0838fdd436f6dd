// An update's person links; each remembers the row it clustered (given, else the record's now).
UNWIND $rows AS row
MATCH (p:Person {person_id: row.person_id})
MATCH (r:Record {record_id: row.record_id})
CREATE (p)-[:HAS_RECORD {row_hash: coalesce(row.row_hash, r.row_hash)}]->(r)
