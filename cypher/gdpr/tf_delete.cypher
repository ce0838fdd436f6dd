UNWIND $rows AS row
MATCH (t:TermFrequency {key: row.column + ':' + row.value})
DELETE t
