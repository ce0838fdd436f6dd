// New records of one batch (their ids were checked absent in this load): CREATE, not MERGE.
UNWIND $rows AS row
CREATE (r:Record {record_id: row.record_id})
SET r += row.props, r.row_hash = row.row_hash, r.first_load = $load_id, r.last_load = $load_id,
    r.updated_at = $now
WITH r, row
MATCH (s:Source {source: row.props.source})
CREATE (r)-[:FROM]->(s)
