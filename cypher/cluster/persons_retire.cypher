UNWIND $rows AS row
MATCH (p:Person {person_id: row.person_id})
SET p.status = 'retired', p.merged_into = row.merged_into, p.updated_run = $run_id, p.size = 0,
    p.state_hash = null
