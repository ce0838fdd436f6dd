CREATE (r:Run {run_id: $run_id, started: $started, finished: $now, settings_json: $settings_json,
               model_json: $model_json, report_json: $report_json, status: 'writing'})
