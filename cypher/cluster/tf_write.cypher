UNWIND $rows AS row
CREATE (:TermFrequency {key: row.column + ':' + row.value, column: row.column, value: row.value, tf: row.tf})
