// Identifier nodes that nothing holds any more (no record, no person's address history) go.
UNWIND $keys AS key
MATCH (i:Identifier {key: key})
WHERE NOT EXISTS { (i)--() }
DELETE i
