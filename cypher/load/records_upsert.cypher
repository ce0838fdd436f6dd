// One batch of new or changed records, idempotent: MERGE on record_id; a row whose hash is
// already stored is left alone, so re-running a batch (after a crash) changes nothing.
UNWIND $rows AS row
MERGE (r:Record {record_id: row.record_id})
ON CREATE SET r.first_load = $load_id
WITH r, row
WHERE r.row_hash IS NULL OR r.row_hash <> row.row_hash
SET r += row.props, r.row_hash = row.row_hash, r.last_load = $load_id, r.updated_at = $now
WITH r, row
MATCH (s:Source {source: row.props.source})
MERGE (r)-[:FROM]->(s)
WITH r, row
CALL (r) {
  MATCH (r)-[old:HAS]->(:Identifier)
  DELETE old
}
WITH r, row
UNWIND row.identifiers AS ident
MERGE (i:Identifier {key: ident.kind + ':' + ident.value})
ON CREATE SET i.kind = ident.kind, i.value = ident.value
FOREACH (_ IN CASE WHEN ident.kind = 'name' THEN [1] ELSE [] END | SET i:Name)
FOREACH (_ IN CASE WHEN ident.kind = 'address' THEN [1] ELSE [] END | SET i:Address)
FOREACH (_ IN CASE WHEN ident.kind = 'postcode' THEN [1] ELSE [] END | SET i:Postcode)
FOREACH (_ IN CASE WHEN ident.kind = 'phone' THEN [1] ELSE [] END | SET i:Phone)
FOREACH (_ IN CASE WHEN ident.kind = 'email' THEN [1] ELSE [] END | SET i:Email)
FOREACH (_ IN CASE WHEN ident.kind = 'dob' THEN [1] ELSE [] END | SET i:Dob)
FOREACH (_ IN CASE WHEN ident.kind IN ['nhs', 'ni', 'uprn'] THEN [1] ELSE [] END | SET i:StrongId)
MERGE (r)-[h:HAS]->(i)
SET h.kind = ident.kind, h.first_seen = row.props.record_date, h.last_seen = row.props.record_date,
    h.source = row.props.source
