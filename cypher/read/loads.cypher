MATCH (l:Load) RETURN l.load_id AS load_id, l.source AS source, l.file AS file, l.sha256 AS sha256,
  l.started AS started, l.finished AS finished, l.counts_json AS counts_json ORDER BY load_id
