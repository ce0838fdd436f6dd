// Disable an active user: the name stays (audit entries name it), the hash goes.
MATCH (u:User {name: $name})
WHERE u.disabled_at IS NULL
SET u.disabled_at = $disabled_at
REMOVE u.password_hash
RETURN count(u) AS disabled
