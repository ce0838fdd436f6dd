// A new API key, stored by its SHA-256 hash; the name's uniqueness constraint refuses a name in use.
CREATE (:ApiKey {name: $name, key_hash: $key_hash, role: $role, source: $source, created_at: $created_at})
