// Retired records leave the graph with all they hold: identifier links, similarity edges, their
// person link, their source link. Returns the keys of the identifiers they held.
UNWIND $ids AS id
MATCH (r:Record {record_id: id})
OPTIONAL MATCH (r)-[:HAS]->(i:Identifier)
WITH r, collect(i.key) AS keys
DETACH DELETE r
WITH keys
UNWIND keys AS key
RETURN collect(DISTINCT key) AS keys
