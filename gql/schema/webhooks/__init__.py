"""Webhooks (README: "Webhooks"): a company's endpoints for its admins, their delivery log, and their management."""
