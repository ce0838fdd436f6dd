// A new workbench user, stored with a salted KDF hash of the password; the name's uniqueness
// constraint refuses a name in use.
CREATE (:User {name: $name, password_hash: $password_hash, role: $role, created_at: $created_at})
