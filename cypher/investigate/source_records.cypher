// One source's records with their person (null: not yet resolved), in record id order.
MATCH (r:Record {source: $source})
OPTIONAL MATCH (p:Person)-[:HAS_RECORD]->(r)
RETURN r.record_id AS record_id, p.person_id AS person_id, r.address_key AS address_key,
       r.address AS address, r.postcode AS postcode, r.record_date AS record_date, r.dob AS dob,
       r.attributes AS attributes
ORDER BY record_id
