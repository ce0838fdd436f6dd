// Where any of $needles (lower case) occurs in a string property (or a list of strings) of a relationship.
MATCH ()-[r]->()
UNWIND keys(r) AS k
WITH type(r) AS type, k, r[k] AS v
WITH type, k, CASE WHEN v IS :: LIST<ANY> THEN v ELSE [v] END AS vs
UNWIND vs AS x
WITH type, k, x
WHERE x IS :: STRING AND any(t IN $needles WHERE toLower(x) CONTAINS t)
RETURN DISTINCT type, k AS property
