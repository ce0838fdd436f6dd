UNWIND $rows AS row
MATCH (a:Record {record_id: row.record_a})
MATCH (b:Record {record_id: row.record_b})
CREATE (a)-[:SIMILAR {weight: row.weight, probability: row.probability, tier: row.tier,
                      levels: row.levels}]->(b)
