"""SharePoint: the configuration and the sync runs, with their queries and mutations."""
