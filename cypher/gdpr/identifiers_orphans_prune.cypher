// Identifier nodes nothing holds any more (left by replaced values: a load relinks a changed
// record to its new identifiers), in batches; returns how many went.
MATCH (i:Identifier)
WHERE NOT EXISTS { (i)--() }
WITH i LIMIT $limit
DELETE i
RETURN count(*) AS deleted
