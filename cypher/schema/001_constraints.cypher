// Schema v1: uniqueness constraints (each also creates its index). Idempotent.
CREATE CONSTRAINT record_id IF NOT EXISTS FOR (r:Record) REQUIRE r.record_id IS UNIQUE;
CREATE CONSTRAINT person_id IF NOT EXISTS FOR (p:Person) REQUIRE p.person_id IS UNIQUE;
CREATE CONSTRAINT identifier_key IF NOT EXISTS FOR (i:Identifier) REQUIRE i.key IS UNIQUE;
CREATE CONSTRAINT source_name IF NOT EXISTS FOR (s:Source) REQUIRE s.source IS UNIQUE;
CREATE CONSTRAINT load_id IF NOT EXISTS FOR (l:Load) REQUIRE l.load_id IS UNIQUE;
CREATE CONSTRAINT run_id IF NOT EXISTS FOR (r:Run) REQUIRE r.run_id IS UNIQUE;
CREATE CONSTRAINT tf_key IF NOT EXISTS FOR (t:TermFrequency) REQUIRE t.key IS UNIQUE;
CREATE INDEX record_source IF NOT EXISTS FOR (r:Record) ON (r.source);
CREATE INDEX record_updated IF NOT EXISTS FOR (r:Record) ON (r.updated_at);
CREATE INDEX identifier_kind_value IF NOT EXISTS FOR (i:Identifier) ON (i.kind, i.value);
CREATE INDEX version_record IF NOT EXISTS FOR (v:RecordVersion) ON (v.record_id);
CREATE INDEX event_run IF NOT EXISTS FOR (e:PersonEvent) ON (e.run_id);
