MERGE (l:Load {load_id: $load_id})
SET l.source = $source, l.file = $file, l.sha256 = $sha256, l.started = $now, l.status = 'running'
