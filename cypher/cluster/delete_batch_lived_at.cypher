MATCH (:Person)-[l:LIVED_AT]->() WITH l LIMIT $limit DELETE l RETURN count(*) AS deleted
