MERGE (m:Meta {key: 'schema_version'}) SET m.value = $version
