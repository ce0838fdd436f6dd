MERGE (s:Source {source: $source})
ON CREATE SET s.first_loaded = $now
SET s.trust = $trust, s.mapping_json = $mapping_json, s.compare_json = $compare_json, s.last_loaded = $now
