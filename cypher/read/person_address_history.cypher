MATCH (:Person {person_id: $person_id})-[l:LIVED_AT]->(a:Identifier)
RETURN l.address_key AS address_key, l.address AS address, l.postcode AS postcode,
       l.first_seen AS first_seen, l.last_seen AS last_seen, l.sources AS sources,
       l.records AS records, l.is_current AS is_current
ORDER BY is_current DESC, coalesce(last_seen, '') DESC, address_key
