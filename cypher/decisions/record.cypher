// Append a reviewer's decision about two records ($record_a < $record_b) and supersede the
// pair's current decision. The id comes from one :DecisionSeq node, whose write lock serialises
// concurrent decisions. No row returned: a record does not exist (nothing written).
MATCH (a:Record {record_id: $record_a})
MATCH (b:Record {record_id: $record_b})
MERGE (seq:DecisionSeq {key: 'decision'})
SET seq.last = coalesce(seq.last, 0) + 1
WITH a, b, seq.last AS id
CREATE (d:Decision {decision_id: id, kind: $kind, record_a: $record_a, record_b: $record_b,
                    actor: $actor, decided_at: $decided_at, reason: $reason})
CREATE (d)-[:ABOUT]->(a)
CREATE (d)-[:ABOUT]->(b)
WITH d
OPTIONAL MATCH (old:Decision {record_a: $record_a, record_b: $record_b})
WHERE old.superseded_by IS NULL AND old.decision_id < d.decision_id
SET old.superseded_by = d.decision_id
RETURN DISTINCT d.decision_id AS decision_id
