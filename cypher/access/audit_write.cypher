// Append audit entries in order. The counter's write lock is taken (SET c.lock) before its value
// is read, so concurrent writers never hand out the same seq.
MERGE (c:Meta {key: 'audit_seq'})
ON CREATE SET c.value = 0
SET c.lock = true
WITH c, coalesce(c.value, 0) AS last
SET c.value = last + size($rows)
WITH last
UNWIND range(0, size($rows) - 1) AS i
CREATE (a:AuditEntry {seq: last + i + 1})
SET a += $rows[i]
