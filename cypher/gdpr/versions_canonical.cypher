// The canonical values (JSON) of every stored version of these records.
UNWIND $ids AS id
MATCH (v:RecordVersion {record_id: id})
RETURN v.canonical AS canonical
