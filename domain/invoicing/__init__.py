"""Partner finance (SPEC §4): the internal invoicing basis, internal invoices and the margin of a shared project."""
