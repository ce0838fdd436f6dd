// Every workbench user, disabled ones too, by name (never the hash).
MATCH (u:User)
RETURN u.name AS name, u.role AS role, u.created_at AS created_at, u.disabled_at AS disabled_at
ORDER BY name
