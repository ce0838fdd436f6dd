OPTIONAL MATCH (l:Load) RETURN coalesce(max(l.load_id), 0) + 1 AS next
