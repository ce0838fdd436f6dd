// The distinct identifiers of one batch, as nodes labelled by kind (one query per kind: labels
// are static Cypher, never formatted from data).
UNWIND $values AS value
MERGE (i:Identifier {key: $kind + ':' + value})
ON CREATE SET i.kind = $kind, i.value = value
