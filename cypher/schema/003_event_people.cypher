// The change feed by person (the workbench's person page, erasure): idempotent, run on every
// writable open, so stores made before these indexes gain them.
CREATE INDEX event_person IF NOT EXISTS FOR (e:PersonEvent) ON (e.person_id);
CREATE INDEX event_other_person IF NOT EXISTS FOR (e:PersonEvent) ON (e.other_person_id);
