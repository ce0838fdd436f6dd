UNWIND $rows AS row
MATCH (p:Person {person_id: row.person_id})
MERGE (a:Identifier {key: 'address:' + row.node_key})
ON CREATE SET a.kind = 'address', a.value = row.node_key
SET a:Address
CREATE (p)-[:LIVED_AT {address_key: row.address_key, address: row.address, postcode: row.postcode,
                       first_seen: row.first_seen, last_seen: row.last_seen, sources: row.sources,
                       records: row.records, is_current: row.is_current}]->(a)
