// Personal data (ADR 0032): run on first use by each store (IF NOT EXISTS: idempotent).
CREATE CONSTRAINT tombstone_hash IF NOT EXISTS FOR (t:Tombstone) REQUIRE t.hash IS UNIQUE
