// Changed records of one batch: replace their properties and their identifier links.
UNWIND $rows AS row
MATCH (r:Record {record_id: row.record_id})
SET r += row.props, r.row_hash = row.row_hash, r.last_load = $load_id, r.updated_at = $now
WITH r, row
CALL (r) {
  MATCH (r)-[old:HAS]->(:Identifier)
  DELETE old
}
WITH r, row
UNWIND row.identifiers AS key
MATCH (i:Identifier {key: key})
CREATE (r)-[:HAS]->(i)
