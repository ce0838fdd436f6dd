UNWIND $hashes AS h
MATCH (t:Tombstone {hash: h})
RETURN t.hash AS hash, t.erased_at AS erased_at
