MATCH (p:Person)-[:HAS_RECORD]->(:Record {record_id: $record_id}) RETURN p.person_id AS person_id
