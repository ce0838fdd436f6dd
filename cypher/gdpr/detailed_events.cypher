// details_changed events written before $before that still hold their old and new values.
MATCH (e:PersonEvent)
WHERE e.event = 'details_changed' AND e.detail IS NOT NULL AND e.at < $before
RETURN e.seq AS seq, e.run_id AS run_id, e.at AS at, e.event AS event, e.person_id AS person_id,
       e.other_person_id AS other_person_id, e.records AS records, e.detail AS detail,
       coalesce(e.sources, []) AS sources
ORDER BY seq
