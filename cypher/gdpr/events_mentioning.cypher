// Events whose detail contains any of $texts (a scan: for erasure only).
MATCH (e:PersonEvent)
WHERE e.detail IS NOT NULL AND any(t IN $texts WHERE e.detail CONTAINS t)
RETURN e.seq AS seq, e.run_id AS run_id, e.at AS at, e.event AS event, e.person_id AS person_id,
       e.other_person_id AS other_person_id, e.records AS records, e.detail AS detail,
       coalesce(e.sources, []) AS sources
ORDER BY seq
