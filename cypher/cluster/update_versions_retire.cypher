// Retired records keep their last values as a version (no load replaced them: the reason says why).
UNWIND $rows AS row
CREATE (:RecordVersion {record_id: row.record_id, replaced_at: $now, row_hash: row.row_hash,
                        raw: row.raw, canonical: row.canonical, reason: row.reason})
