UNWIND $hashes AS h
MATCH (t:Tombstone {hash: h})
DELETE t
RETURN count(*) AS dropped
