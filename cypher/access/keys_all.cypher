// Every key, revoked ones too, by name (never the hash).
MATCH (k:ApiKey)
RETURN k.name AS name, k.role AS role, k.source AS source, k.created_at AS created_at, k.revoked_at AS revoked_at
ORDER BY name
