// Taken first by every transaction that records a run (ADR 0028): a write lock on one node, so
// two runs are recorded one after the other and the second sees the first (and is refused as
// stale) instead of both reading the same next run id.
MERGE (m:Meta {key: 'run_lock'})
SET m.at = $now
