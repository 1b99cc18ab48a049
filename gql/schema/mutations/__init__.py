"""Mutations, one module per area; each takes one input and returns a payload with userErrors."""
