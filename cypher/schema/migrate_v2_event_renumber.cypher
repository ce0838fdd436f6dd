// Schema v1 -> v2, one batch: number a run's events after the runs before it ($base), keeping their
// order within the run (v1's seq); their time is the run's finish, their sources unknown (empty).
// feed_v2 marks the events done, so a migration killed half-way renumbers each event once.
MATCH (e:PersonEvent {run_id: $run_id})
WHERE e.feed_v2 IS NULL
WITH e LIMIT $limit
SET e.seq = $base + e.seq + 1, e.feed_v2 = true, e.at = coalesce(e.at, $finished),
    e.sources = coalesce(e.sources, [])
RETURN count(*) AS updated
