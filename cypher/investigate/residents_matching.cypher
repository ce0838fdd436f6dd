// Address history rows whose address key contains $needle (a plain substring: "|14|hyde park road|").
MATCH (p:Person)-[l:LIVED_AT]->(:Identifier)
WHERE l.address_key CONTAINS $needle
RETURN p.person_id AS person_id, l.address_key AS address_key, l.address AS address,
       l.postcode AS postcode, l.first_seen AS first_seen, l.last_seen AS last_seen,
       l.sources AS sources, l.is_current AS is_current
ORDER BY address_key, coalesce(first_seen, ''), person_id
