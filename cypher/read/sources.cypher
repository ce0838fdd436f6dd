MATCH (s:Source) RETURN s.source AS source, s.trust AS trust, s.mapping_json AS mapping_json,
  s.compare_json AS compare_json ORDER BY s.source
