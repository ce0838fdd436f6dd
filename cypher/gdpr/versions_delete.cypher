UNWIND $ids AS id
MATCH (v:RecordVersion {record_id: id})
DETACH DELETE v
