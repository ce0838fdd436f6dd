// The distinct postcode identifiers of one batch as :Identifier:Postcode nodes (one file per label: labels
// are static Cypher, never formatted from data).
UNWIND $values AS value
MERGE (i:Identifier {key: $kind + ':' + value})
ON CREATE SET i:Postcode, i.kind = $kind, i.value = value
