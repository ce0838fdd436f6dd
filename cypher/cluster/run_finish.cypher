MATCH (r:Run {run_id: $run_id}) SET r.status = 'finished', r.finished = $now
