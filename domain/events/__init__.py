"""The event log (SPEC §7): use cases record their changes in their own transaction; the feed delivers them live in each server process."""
