// Records no longer assigned to anyone lose their HAS_RECORD links.
UNWIND $ids AS id
MATCH (:Person)-[old:HAS_RECORD]->(:Record {record_id: id})
DELETE old
