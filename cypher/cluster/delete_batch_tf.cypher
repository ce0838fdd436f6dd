MATCH (t:TermFrequency) WITH t LIMIT $limit DELETE t RETURN count(*) AS deleted
