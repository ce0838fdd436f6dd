// The change feed: events after a cursor, in seq order (the unique seq index), optionally only
// those whose sources include $source.
MATCH (e:PersonEvent)
WHERE e.seq > $after AND ($source IS NULL OR $source IN e.sources)
WITH e ORDER BY e.seq LIMIT $limit
RETURN e.seq AS seq, e.run_id AS run_id, e.at AS at, e.event AS event, e.person_id AS person_id,
       e.other_person_id AS other_person_id, e.records AS records, e.detail AS detail,
       coalesce(e.sources, []) AS sources
