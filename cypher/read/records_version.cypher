// The records version (ADR 0028): changes whenever a record is created, changed or removed.
// A resolve reads it before its records and is refused when it moved before the run is recorded.
OPTIONAL MATCH (m:Meta {key: 'records_version'})
RETURN coalesce(m.value, 0) AS version
