OPTIONAL MATCH (r:Run) RETURN coalesce(max(r.run_id), 0) + 1 AS next
