// Everyone who lived at an address (its address_key, or every address in a postcode), with dates.
MATCH (p:Person)-[l:LIVED_AT]->(:Identifier)
WHERE l.address_key = $address OR l.postcode = $address
RETURN p.person_id AS person_id, l.address_key AS address_key, l.address AS address,
       l.postcode AS postcode, l.first_seen AS first_seen, l.last_seen AS last_seen,
       l.sources AS sources, l.is_current AS is_current
ORDER BY coalesce(first_seen, ''), person_id, address_key
