"""The HTTP surface of /graphql: GraphQL over HTTP semantics, GraphiQL served offline, CORS and faults."""
