// Audit entries keep who read what and when; an erased record is named by its pseudonym.
UNWIND $rows AS row
MATCH (a:AuditEntry {record_id: row.record_id})
SET a.record_id = row.pseudonym
