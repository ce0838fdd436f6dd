// People of this run whose state changed (or who are new): their properties and state hash.
UNWIND $rows AS row
MERGE (p:Person {person_id: row.person_id})
ON CREATE SET p.created_run = coalesce(row.created_run, $run_id), p.updated_run = $run_id
SET p.updated_run = CASE WHEN p.golden = row.golden AND p.size = row.size AND p.status = 'active'
                         THEN p.updated_run ELSE $run_id END,
    p.status = 'active', p.merged_into = null, p.size = row.size, p.review = row.review,
    p.golden = row.golden, p.state_hash = row.state_hash
