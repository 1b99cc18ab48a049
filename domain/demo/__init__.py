"""The demo data for `serve --demo` and `seed-demo`, written through the use cases."""
