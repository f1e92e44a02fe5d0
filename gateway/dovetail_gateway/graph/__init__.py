"""The graph: types per service, shared connection and error types, the schema."""
