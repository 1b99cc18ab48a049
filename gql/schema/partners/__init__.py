"""Partner companies and groups: types, queries and mutations."""
