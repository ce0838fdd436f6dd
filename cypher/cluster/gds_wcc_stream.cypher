CALL gds.wcc.stream($graph_name) YIELD nodeId, componentId
RETURN gds.util.asNode(nodeId).record_id AS record_id, componentId AS component
