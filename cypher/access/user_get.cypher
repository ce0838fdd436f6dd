// The active (not disabled) user of this name, with the password's hash.
MATCH (u:User {name: $name})
WHERE u.disabled_at IS NULL
RETURN u.name AS name, u.role AS role, u.created_at AS created_at, u.password_hash AS password_hash
