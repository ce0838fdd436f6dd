// Similarity edges leaving one page of records (record_id order, by the unique index), as columns.
// Next page: $after = last_record (pages hold $limit records, with however many edges they have).
MATCH (a:Record) WHERE a.record_id > $after
WITH a ORDER BY a.record_id LIMIT $limit
WITH collect(a) AS page
WITH page, page[-1].record_id AS last_record
UNWIND page AS a
OPTIONAL MATCH (a)-[e:SIMILAR]->(:Record)
WITH last_record, collect(e) AS es
RETURN last_record,
       [x IN es | startNode(x).record_id] AS record_a, [x IN es | endNode(x).record_id] AS record_b,
       [x IN es | x.probability] AS probability, [x IN es | x.tier] AS tier,
       [x IN es | x.levels] AS levels
