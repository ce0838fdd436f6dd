// What each stored person holds, as columns: status, and hashes of their state (size, review,
// golden) and of their address history, written with them. A resolve rewrites only the people
// whose hashes differ (a missing hash, e.g. from an older version, always differs).
MATCH (p:Person)
WITH collect(p) AS ps
RETURN [x IN ps | x.person_id] AS person_id, [x IN ps | x.status] AS status,
       [x IN ps | x.state_hash] AS state_hash, [x IN ps | x.history_hash] AS history_hash
