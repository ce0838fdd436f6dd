// Link records that have no person yet (a first run, or new records) to their person; the link
// remembers the row it clustered (the record's row_hash now).
UNWIND $rows AS row
MATCH (p:Person {person_id: row.person_id})
MATCH (r:Record {record_id: row.record_id})
CREATE (p)-[:HAS_RECORD {row_hash: r.row_hash}]->(r)
