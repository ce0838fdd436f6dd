// Access schema v1 (issue 11 item 5): API keys and the audit log. Idempotent. Versioned apart
// from the graph schema, in (:Meta {key: 'access_schema_version'}).
CREATE CONSTRAINT api_key_name IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.name IS UNIQUE;
CREATE CONSTRAINT api_key_hash IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.key_hash IS UNIQUE;
CREATE CONSTRAINT audit_seq IF NOT EXISTS FOR (a:AuditEntry) REQUIRE a.seq IS UNIQUE;
CREATE INDEX audit_person IF NOT EXISTS FOR (a:AuditEntry) ON (a.person_id);
CREATE INDEX audit_actor IF NOT EXISTS FOR (a:AuditEntry) ON (a.actor);
