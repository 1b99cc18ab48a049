"""Resolvers: read the input, call one domain service or query, return GraphQL types."""
