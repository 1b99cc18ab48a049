"""Webhooks (README: "Webhooks"): a company's endpoints, the signed deliveries of its events to them in cursor order
through the job queue, and the log of every attempt."""
