// The audit log, newest first; only a person's or an actor's entries when given.
MATCH (a:AuditEntry)
WHERE ($person_id IS NULL OR a.person_id = $person_id) AND ($actor IS NULL OR a.actor = $actor)
RETURN a.seq AS seq, a.at AS at, a.actor AS actor, a.role AS role, a.action AS action,
       a.person_id AS person_id, a.record_id AS record_id, a.purpose AS purpose,
       a.request_id AS request_id, a.detail AS detail
ORDER BY seq DESC
LIMIT $limit
