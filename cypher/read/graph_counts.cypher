CALL () { MATCH (i:Identifier) RETURN count(i) AS identifiers }
CALL () { MATCH (:Record)-[h:HAS]->(:Identifier) RETURN count(h) AS has }
RETURN identifiers, has
