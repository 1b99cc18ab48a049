"""Files: the type, the queries and the mutations."""
