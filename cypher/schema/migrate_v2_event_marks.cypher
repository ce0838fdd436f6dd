// Schema v2 recorded, one batch: drop the marks the renumbering left (harmless if some remain).
MATCH (e:PersonEvent)
WHERE e.feed_v2 IS NOT NULL
WITH e LIMIT $limit
REMOVE e.feed_v2
RETURN count(*) AS updated
