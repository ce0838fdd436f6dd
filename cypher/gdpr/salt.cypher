// The store's tombstone salt: created once ($salt: a fresh random value, used only if none exists).
MERGE (m:Meta {key: 'tombstone_salt'})
ON CREATE SET m.value = $salt
RETURN m.value AS salt
