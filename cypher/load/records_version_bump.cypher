// Records were created, changed or removed in this transaction: move the records version
// (ADR 0028). Run last in its transaction, so the lock on the node is held only to the commit.
MERGE (m:Meta {key: 'records_version'})
SET m.value = coalesce(m.value, 0) + 1
