"""Protection of the GraphQL endpoint: limits, query cost and rate limit, persisted queries (README "Protection")."""
