MATCH (e:PersonEvent) WHERE $run_id IS NULL OR e.run_id = $run_id
RETURN e.run_id AS run_id, e.event AS event, e.person_id AS person_id,
       e.other_person_id AS other_person_id, e.records AS records
ORDER BY run_id, e.seq
