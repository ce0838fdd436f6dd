UNWIND $ids AS id
MATCH (r:Record {record_id: id})
RETURN r.record_id AS record_id, r.row_hash AS row_hash
