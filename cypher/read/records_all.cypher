// Every record's canonical properties, for a resolve. Paged by record_id for flat memory.
MATCH (r:Record)
WHERE r.record_id > $after
RETURN properties(r) AS props
ORDER BY r.record_id
LIMIT $limit
