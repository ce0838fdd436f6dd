// Every address history row, as one row of columns (lists decode far faster than a map per row).
MATCH (p:Person)-[l:LIVED_AT]->(:Identifier)
WITH p.person_id AS person_id, l
ORDER BY person_id, coalesce(l.first_seen, ''), coalesce(l.address_key, ''), coalesce(l.address, ''),
         coalesce(l.last_seen, '')
WITH collect([person_id, l]) AS rows
RETURN [x IN rows | x[0]] AS person_id,
       [x IN rows | x[1].address_key] AS address_key,
       [x IN rows | x[1].address] AS address,
       [x IN rows | x[1].postcode] AS postcode,
       [x IN rows | x[1].first_seen] AS first_seen,
       [x IN rows | x[1].last_seen] AS last_seen,
       [x IN rows | x[1].sources] AS sources,
       [x IN rows | x[1].is_current] AS is_current
