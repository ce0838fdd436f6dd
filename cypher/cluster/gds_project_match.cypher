// Project the match edges into a GDS in-memory graph (Cypher aggregation projection).
MATCH (a:Record)-[e:SIMILAR]->(b:Record)
WHERE e.tier = 'match'
WITH gds.graph.project($graph_name, a, b, {}, {undirectedRelationshipTypes: ['*']}) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
