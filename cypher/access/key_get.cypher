// The active key with this hash (revoked keys have no hash).
MATCH (k:ApiKey {key_hash: $key_hash})
WHERE k.revoked_at IS NULL
RETURN k.name AS name, k.role AS role, k.source AS source, k.created_at AS created_at, k.key_hash AS key_hash
