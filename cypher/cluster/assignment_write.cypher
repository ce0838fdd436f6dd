// Point records at their person of this run: drop each record's old HAS_RECORD link(s), link the
// new person (rows: only records whose person changed, or that had none). The link remembers the
// row it clustered (the record's row_hash now).
UNWIND $rows AS row
MATCH (r:Record {record_id: row.record_id})
CALL (r) {
  MATCH (r)<-[old:HAS_RECORD]-(:Person)
  DELETE old
}
WITH r, row
MATCH (p:Person {person_id: row.person_id})
CREATE (p)-[:HAS_RECORD {row_hash: r.row_hash}]->(r)
