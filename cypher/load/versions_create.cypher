// Keep the previous values of records about to be replaced (rows built from records_get).
UNWIND $rows AS row
MATCH (r:Record {record_id: row.record_id})
CREATE (v:RecordVersion {record_id: row.record_id, load_id: $load_id, replaced_at: $now,
                         row_hash: row.row_hash, raw: row.raw, canonical: row.canonical})
CREATE (v)-[:VERSION_OF]->(r)
