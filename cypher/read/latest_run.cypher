MATCH (r:Run) RETURN r.run_id AS run_id, r.finished AS finished ORDER BY run_id DESC LIMIT 1
