"""Companies (tenants) and their co-workers."""
