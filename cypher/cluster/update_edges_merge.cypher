// An update's similarity edges (record_a < record_b): new ones created, stored ones replaced.
UNWIND $rows AS row
MATCH (a:Record {record_id: row.record_a})
MATCH (b:Record {record_id: row.record_b})
MERGE (a)-[e:SIMILAR]->(b)
SET e.weight = row.weight, e.probability = row.probability, e.tier = row.tier, e.levels = row.levels
