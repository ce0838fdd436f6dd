// Revoke an active key: its name stays (audit entries name it), its hash goes.
MATCH (k:ApiKey {name: $name})
WHERE k.revoked_at IS NULL
SET k.revoked_at = $revoked_at
REMOVE k.key_hash
RETURN count(k) AS revoked
