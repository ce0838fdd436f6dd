MATCH (l:Load {load_id: $load_id})
SET l.finished = $now, l.counts_json = $counts_json, l.status = 'finished'
