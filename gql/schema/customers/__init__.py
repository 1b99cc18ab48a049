"""Customers and contact persons: their types and mutations."""
