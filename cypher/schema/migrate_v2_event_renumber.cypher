// Schema v1 -> v2: number one run's events after the runs before it ($base events), in their
// order within the run (v1's seq); their time is the run's finish, their sources unknown (empty).
// Idempotent: renumbering keeps the order, so a rerun gives the same numbers.
MATCH (e:PersonEvent {run_id: $run_id})
WITH e ORDER BY e.seq
WITH collect(e) AS events
UNWIND range(0, size(events) - 1) AS i
WITH events[i] AS e, i
SET e.seq = $base + i + 1, e.at = coalesce(e.at, $finished), e.sources = coalesce(e.sources, [])
