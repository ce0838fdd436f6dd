MATCH (v:RecordVersion)
WHERE v.record_id STARTS WITH $prefix AND v.replaced_at < $before
DETACH DELETE v
RETURN count(*) AS deleted
