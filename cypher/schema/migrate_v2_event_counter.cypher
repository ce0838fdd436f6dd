// Schema v1 -> v2: the change feed's counter starts after the highest stored seq.
OPTIONAL MATCH (e:PersonEvent)
WITH coalesce(max(e.seq), 0) AS top
MERGE (c:Meta {key: 'event_seq'})
SET c.value = top
