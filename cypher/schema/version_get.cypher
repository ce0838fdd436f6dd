MATCH (m:Meta {key: 'schema_version'}) RETURN m.value AS version
