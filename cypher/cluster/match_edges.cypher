// Match edges for an in-database recompute of connected components without GDS.
MATCH (a:Record)-[e:SIMILAR]->(b:Record) WHERE e.tier = 'match'
RETURN a.record_id AS a, b.record_id AS b
