"""The GraphQL layer: translates requests into domain calls and domain rows into GraphQL types."""
