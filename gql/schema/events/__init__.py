"""The event log to integrators: subscriptions and the latest cursor."""
