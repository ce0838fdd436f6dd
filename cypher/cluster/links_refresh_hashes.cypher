// One batch: links whose record changed since they were written (its person did not) now
// remember the record's current row_hash, as a run that clustered it must.
MATCH (:Person)-[l:HAS_RECORD]->(r:Record)
WHERE r.row_hash IS NOT NULL AND (l.row_hash IS NULL OR l.row_hash <> r.row_hash)
WITH l, r LIMIT $limit
SET l.row_hash = r.row_hash
RETURN count(*) AS updated
