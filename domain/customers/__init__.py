"""Customers and their contact persons."""
