MATCH (m:Meta {key: 'access_schema_version'}) RETURN m.value AS version
