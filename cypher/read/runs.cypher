MATCH (r:Run) RETURN r.run_id AS run_id, r.started AS started, r.finished AS finished,
  r.report_json AS report_json ORDER BY run_id
