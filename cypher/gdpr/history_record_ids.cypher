UNWIND $ids AS id
MATCH (v:RecordVersion {record_id: id})
RETURN DISTINCT id AS record_id
ORDER BY record_id
