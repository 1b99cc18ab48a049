"""Companies and co-workers: their types and mutations."""
