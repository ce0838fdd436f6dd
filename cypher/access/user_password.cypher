// Replace an active user's password hash.
MATCH (u:User {name: $name})
WHERE u.disabled_at IS NULL
SET u.password_hash = $password_hash
RETURN count(u) AS changed
