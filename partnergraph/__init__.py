"""The partnergraph command line (`partnergraph serve`, `migrate`, `token`, `export-schema`, `seed-demo`)."""
