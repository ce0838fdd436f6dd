// Append a run's events to the change feed in row order. The counter node's SET reads the value
// it increments, so Cypher takes its write lock first: concurrent writers never share a seq.
MERGE (c:Meta {key: 'event_seq'})
ON CREATE SET c.value = 0
SET c.value = c.value + size($rows)
WITH c.value - size($rows) AS base
UNWIND range(0, size($rows) - 1) AS i
WITH base, i, $rows[i] AS row
CREATE (:PersonEvent {seq: base + i + 1, run_id: $run_id, at: $now, event: row.event,
                      person_id: row.person_id, other_person_id: row.other_person_id,
                      records: row.records, detail: row.detail, sources: row.sources})
