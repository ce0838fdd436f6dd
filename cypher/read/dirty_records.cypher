// Records whose stored row is not the one the latest run clustered: no person link, or a link
// that remembers another row_hash. As one column in record_id order.
MATCH (r:Record)
WHERE NOT EXISTS { MATCH (:Person)-[l:HAS_RECORD]->(r) WHERE l.row_hash = r.row_hash }
WITH r.record_id AS record_id ORDER BY record_id
RETURN collect(record_id) AS changed
