// Batched delete (call until it returns 0): keeps each transaction small.
MATCH (:Person)-[h:HAS_RECORD]->(:Record) WITH h LIMIT $limit DELETE h RETURN count(*) AS deleted
