// Decisions (ADR 0024): run on first use by each store (IF NOT EXISTS: idempotent).
CREATE CONSTRAINT decision_id IF NOT EXISTS FOR (d:Decision) REQUIRE d.decision_id IS UNIQUE;
CREATE CONSTRAINT decision_seq IF NOT EXISTS FOR (s:DecisionSeq) REQUIRE s.key IS UNIQUE;
CREATE INDEX decision_pair IF NOT EXISTS FOR (d:Decision) ON (d.record_a, d.record_b)
