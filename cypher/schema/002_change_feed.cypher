// Schema v2 (issue 11): the change feed. Idempotent. On a v1 database it runs after the stored
// events were renumbered (schema/migrate_v2_event_renumber): before that, seq repeats per run.
CREATE CONSTRAINT person_event_seq IF NOT EXISTS FOR (e:PersonEvent) REQUIRE e.seq IS UNIQUE;
CREATE CONSTRAINT meta_key IF NOT EXISTS FOR (m:Meta) REQUIRE m.key IS UNIQUE;
