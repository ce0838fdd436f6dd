// New records of one batch (their ids were checked absent in this load): CREATE, not MERGE,
// with their links to the batch's identifier nodes (merged just before, in the same transaction).
// HAS links carry no properties: the identifier's kind is on its node, the dates and source on the
// record (r.record_date, r.source); properties on 2.6M links were a fifth of a load's server time.
MATCH (s:Source {source: $source})
UNWIND $rows AS row
CREATE (r:Record {record_id: row.record_id})-[:FROM]->(s)
SET r += row.props, r.row_hash = row.row_hash, r.first_load = $load_id, r.last_load = $load_id,
    r.updated_at = $now
WITH r, row
UNWIND row.identifiers AS key
MATCH (i:Identifier {key: key})
CREATE (r)-[:HAS]->(i)
