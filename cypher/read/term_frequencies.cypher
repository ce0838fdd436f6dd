UNWIND $values AS value
MATCH (t:TermFrequency {key: $column + ':' + value})
RETURN t.value AS value, t.tf AS tf
