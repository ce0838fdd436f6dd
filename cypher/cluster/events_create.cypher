UNWIND $rows AS row
CREATE (:PersonEvent {run_id: $run_id, seq: row.seq, event: row.event, person_id: row.person_id,
                      other_person_id: row.other_person_id, records: row.records})
