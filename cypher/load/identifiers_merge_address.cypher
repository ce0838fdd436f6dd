// The distinct address identifiers of one batch as :Identifier:Address nodes (one file per label: labels
// are static Cypher, never formatted from data).
UNWIND $values AS value
MERGE (i:Identifier {key: $kind + ':' + value})
ON CREATE SET i:Address, i.kind = $kind, i.value = value
