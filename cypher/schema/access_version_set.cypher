// Record the access schema version and create the audit log's sequence counter.
MERGE (m:Meta {key: 'access_schema_version'}) SET m.value = $version
MERGE (c:Meta {key: 'audit_seq'}) ON CREATE SET c.value = 0
