// The distinct strong identifiers of one batch as :Identifier:StrongId nodes (one file per label: labels
// are static Cypher, never formatted from data).
UNWIND $values AS value
MERGE (i:Identifier {key: $kind + ':' + value})
ON CREATE SET i:StrongId, i.kind = $kind, i.value = value
