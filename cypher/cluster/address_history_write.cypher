// Replace the address history of these people (only those whose history changed): their LIVED_AT
// links, and the hash of the history they now hold. An address seen without a UPRN-based key
// gets a node under its fallback key.
UNWIND $people AS person
MATCH (p:Person {person_id: person.person_id})
CALL (p) {
  MATCH (p)-[old:LIVED_AT]->()
  DELETE old
}
SET p.history_hash = person.history_hash
WITH p, person
UNWIND person.rows AS row
MERGE (a:Identifier {key: 'address:' + row.node_key})
ON CREATE SET a:Address, a.kind = 'address', a.value = row.node_key
CREATE (p)-[:LIVED_AT {address_key: row.address_key, address: row.address, postcode: row.postcode,
                       first_seen: row.first_seen, last_seen: row.last_seen, sources: row.sources,
                       records: row.records, is_current: row.is_current}]->(a)
