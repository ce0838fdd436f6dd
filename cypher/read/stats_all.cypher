CALL () { MATCH (r:Record) WITH r.source AS source, count(*) AS n RETURN collect([source, n]) AS by_source }
CALL () { MATCH (p:Person {status: 'active'}) WITH p.size AS size, count(*) AS n RETURN collect([size, n]) AS sizes }
CALL () { MATCH (p:Person {status: 'active'}) RETURN count(p) AS people, sum(CASE WHEN p.review THEN 1 ELSE 0 END) AS review }
CALL () { MATCH ()-[e:SIMILAR]->() WITH e.tier AS tier, count(*) AS n RETURN collect([tier, n]) AS tiers }
CALL () { MATCH (l:Load) RETURN count(l) AS loads }
RETURN by_source, sizes, people, review, tiers, loads
