UNWIND $values AS value
MATCH (i:Identifier {key: $kind + ':' + value})<-[:HAS]-(r:Record)
RETURN r.record_id AS record_id, i.kind AS kind, i.value AS value
ORDER BY record_id
