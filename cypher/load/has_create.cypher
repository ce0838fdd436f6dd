// Record -> identifier links of one batch, with when and where the record says so.
UNWIND $rows AS row
MATCH (r:Record {record_id: row.record_id})
MATCH (i:Identifier {key: row.key})
CREATE (r)-[:HAS {kind: row.kind, first_seen: row.seen, last_seen: row.seen, source: row.source}]->(i)
