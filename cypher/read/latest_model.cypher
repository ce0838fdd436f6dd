MATCH (r:Run) RETURN r.run_id AS run_id, r.settings_json AS settings_json, r.model_json AS model_json
ORDER BY run_id DESC LIMIT 1
