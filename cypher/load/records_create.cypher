// New records of one batch (their ids were checked absent in this load): CREATE, not MERGE,
// with their links to the batch's identifier nodes (merged just before, in the same transaction).
MATCH (s:Source {source: $source})
UNWIND $rows AS row
CREATE (r:Record {record_id: row.record_id})-[:FROM]->(s)
SET r += row.props, r.row_hash = row.row_hash, r.first_load = $load_id, r.last_load = $load_id,
    r.updated_at = $now
WITH r, row
UNWIND row.identifiers AS ident
MATCH (i:Identifier {key: ident.key})
CREATE (r)-[:HAS {kind: ident.kind, first_seen: row.props.record_date, last_seen: row.props.record_date,
                  source: $source}]->(i)
