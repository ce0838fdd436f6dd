// Add the kind label to identifier nodes of one batch that lack it.
UNWIND $keys AS key
MATCH (i:Identifier {key: key})
FOREACH (_ IN CASE WHEN i.kind = 'name' AND NOT i:Name THEN [1] ELSE [] END | SET i:Name)
FOREACH (_ IN CASE WHEN i.kind = 'address' AND NOT i:Address THEN [1] ELSE [] END | SET i:Address)
FOREACH (_ IN CASE WHEN i.kind = 'postcode' AND NOT i:Postcode THEN [1] ELSE [] END | SET i:Postcode)
FOREACH (_ IN CASE WHEN i.kind = 'phone' AND NOT i:Phone THEN [1] ELSE [] END | SET i:Phone)
FOREACH (_ IN CASE WHEN i.kind = 'email' AND NOT i:Email THEN [1] ELSE [] END | SET i:Email)
FOREACH (_ IN CASE WHEN i.kind = 'dob' AND NOT i:Dob THEN [1] ELSE [] END | SET i:Dob)
FOREACH (_ IN CASE WHEN i.kind IN ['nhs', 'ni', 'uprn'] AND NOT i:StrongId THEN [1] ELSE [] END | SET i:StrongId)
