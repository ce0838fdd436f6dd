CALL gds.version() YIELD gdsVersion RETURN gdsVersion
