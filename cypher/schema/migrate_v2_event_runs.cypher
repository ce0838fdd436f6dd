// Schema v1 -> v2: the runs that hold events, in run order, with their event counts and finish time.
MATCH (e:PersonEvent)
WITH e.run_id AS run_id, count(*) AS events
OPTIONAL MATCH (r:Run {run_id: run_id})
RETURN run_id, events, r.finished AS finished
ORDER BY run_id
