// One page of records for a resolve, as columns: one list per canonical property (nulls kept), in
// record_id order (the unique index's range seek is ordered, so ORDER BY costs nothing). Lists of
// values decode many times faster than a map per record. Next page: $after = the last record_id.
MATCH (r:Record) WHERE r.record_id > $after
WITH r ORDER BY r.record_id LIMIT $limit
WITH collect(r) AS rs
RETURN [x IN rs | x.record_id] AS record_id,
       [x IN rs | x.source] AS source,
       [x IN rs | x.source_record_id] AS source_record_id,
       [x IN rs | x.title] AS title,
       [x IN rs | x.given_name] AS given_name,
       [x IN rs | x.middle_names] AS middle_names,
       [x IN rs | x.family_name] AS family_name,
       [x IN rs | x.suffix] AS suffix,
       [x IN rs | x.given_canonical] AS given_canonical,
       [x IN rs | x.given_phonetic] AS given_phonetic,
       [x IN rs | x.family_phonetic] AS family_phonetic,
       [x IN rs | x.dob] AS dob,
       [x IN rs | x.dob_ambiguous] AS dob_ambiguous,
       [x IN rs | x.gender] AS gender,
       [x IN rs | x.address] AS address,
       [x IN rs | x.flat] AS flat,
       [x IN rs | x.house_number] AS house_number,
       [x IN rs | x.street] AS street,
       [x IN rs | x.town] AS town,
       [x IN rs | x.postcode] AS postcode,
       [x IN rs | x.postcode_sector] AS postcode_sector,
       [x IN rs | x.postcode_district] AS postcode_district,
       [x IN rs | x.postcode_area] AS postcode_area,
       [x IN rs | x.address_key] AS address_key,
       [x IN rs | x.uprn] AS uprn,
       [x IN rs | x.phones] AS phones,
       [x IN rs | x.emails] AS emails,
       [x IN rs | x.nhs_number] AS nhs_number,
       [x IN rs | x.ni_number] AS ni_number,
       [x IN rs | x.record_date] AS record_date,
       [x IN rs | x.extra] AS extra,
       [x IN rs | x.attributes] AS attributes,
       [x IN rs | x.trust] AS trust
