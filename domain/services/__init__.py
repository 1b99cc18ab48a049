"""The use cases: each one transaction that loads, checks the policy, changes and commits."""
