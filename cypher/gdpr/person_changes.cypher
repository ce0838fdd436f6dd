// The change feed's events naming any of these people, in seq order (one index seek per side:
// schema/003_event_people).
CALL {
  MATCH (e:PersonEvent) WHERE e.person_id IN $ids RETURN e
  UNION
  MATCH (e:PersonEvent) WHERE e.other_person_id IN $ids RETURN e
}
RETURN e.seq AS seq, e.run_id AS run_id, e.at AS at, e.event AS event, e.person_id AS person_id,
       e.other_person_id AS other_person_id, e.records AS records, e.detail AS detail,
       coalesce(e.sources, []) AS sources
ORDER BY seq
