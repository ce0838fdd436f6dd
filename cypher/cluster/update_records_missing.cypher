// Which of these record ids are not in the graph.
UNWIND $ids AS id
OPTIONAL MATCH (r:Record {record_id: id})
WITH id, r
WHERE r IS NULL
WITH DISTINCT id ORDER BY id
RETURN collect(id) AS missing
