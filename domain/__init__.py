"""The rules of partnergraph: the model, the access policy and the use cases."""
