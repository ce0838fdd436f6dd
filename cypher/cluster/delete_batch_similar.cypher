MATCH (:Record)-[e:SIMILAR]->(:Record) WITH e LIMIT $limit DELETE e RETURN count(*) AS deleted
