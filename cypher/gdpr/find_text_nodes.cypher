// Where any of $needles (lower case) occurs in a string property (or a list of strings) of a node.
MATCH (n)
UNWIND keys(n) AS k
WITH labels(n) AS labels, k, n[k] AS v
WITH labels, k, CASE WHEN v IS :: LIST<ANY> THEN v ELSE [v] END AS vs
UNWIND vs AS x
WITH labels, k, x
WHERE x IS :: STRING AND any(t IN $needles WHERE toLower(x) CONTAINS t)
RETURN DISTINCT labels, k AS property
