// Tombstones of erased records (a hash already there is kept as it was).
UNWIND $rows AS row
MERGE (t:Tombstone {hash: row.hash})
ON CREATE SET t.source = row.source, t.erased_at = row.erased_at, t.reason = row.reason, t.actor = row.actor
