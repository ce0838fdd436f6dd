MATCH (v:RecordVersion {record_id: $record_id})
RETURN v.record_id AS record_id, v.load_id AS load_id, v.replaced_at AS replaced_at,
       v.row_hash AS row_hash, v.raw AS raw, v.canonical AS canonical, v.reason AS reason
ORDER BY replaced_at, load_id
