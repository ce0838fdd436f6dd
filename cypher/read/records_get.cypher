UNWIND $ids AS id
MATCH (r:Record {record_id: id})
RETURN properties(r) AS props
ORDER BY r.record_id
