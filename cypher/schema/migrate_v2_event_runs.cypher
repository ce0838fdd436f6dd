// Schema v1 -> v2: the runs that hold events, in run order, with the span of their v1 seq numbers
// (which start at 0 in each run) and their finish time.
MATCH (e:PersonEvent)
WITH e.run_id AS run_id, max(e.seq) + 1 AS span
OPTIONAL MATCH (r:Run {run_id: run_id})
RETURN run_id, span, r.finished AS finished
ORDER BY run_id
