"""The GraphQL layer of partner finance: the internal invoicing basis, internal invoices and a shared project's margin."""
