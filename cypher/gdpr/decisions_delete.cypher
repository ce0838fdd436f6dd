// Every decision naming one of these records, superseded ones too.
MATCH (d:Decision)
WHERE d.record_a IN $ids OR d.record_b IN $ids
DETACH DELETE d
