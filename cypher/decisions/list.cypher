// The current decision of every pair (or, with $history, every decision ever), oldest first.
MATCH (d:Decision)
WHERE $history OR d.superseded_by IS NULL
RETURN d.decision_id AS decision_id, d.kind AS kind, d.record_a AS record_a, d.record_b AS record_b,
       d.actor AS actor, d.decided_at AS decided_at, d.reason AS reason, d.superseded_by AS superseded_by
ORDER BY decision_id
