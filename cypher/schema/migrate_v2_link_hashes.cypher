// Schema v1 -> v2, one batch: a HAS_RECORD link remembers the row_hash its record was clustered
// with. A record last written before the latest run started was read by it as it is now; records
// written since (or in the same second) stay without one, so dirty_records lists them.
MATCH (run:Run)
WITH run ORDER BY run.run_id DESC LIMIT 1
MATCH (:Person)-[l:HAS_RECORD]->(r:Record)
WHERE l.row_hash IS NULL AND r.updated_at < run.started
WITH l, r LIMIT $limit
SET l.row_hash = r.row_hash
RETURN count(*) AS updated
