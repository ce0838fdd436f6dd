// Versions of one source's records replaced or retired before $before ($prefix: 'source:').
MATCH (v:RecordVersion)
WHERE v.record_id STARTS WITH $prefix AND v.replaced_at < $before
OPTIONAL MATCH (r:Record {record_id: v.record_id})
RETURN v.record_id AS record_id, v.replaced_at AS replaced_at, v.reason AS reason, r IS NOT NULL AS current
ORDER BY record_id, replaced_at
