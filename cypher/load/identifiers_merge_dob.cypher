// The distinct dob identifiers of one batch as :Identifier:Dob nodes (one file per label: labels
// are static Cypher, never formatted from data).
UNWIND $values AS value
MERGE (i:Identifier {key: $kind + ':' + value})
ON CREATE SET i:Dob, i.kind = $kind, i.value = value
