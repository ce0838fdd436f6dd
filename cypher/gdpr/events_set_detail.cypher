UNWIND $rows AS row
MATCH (e:PersonEvent {seq: row.seq})
SET e.detail = row.detail
