"""The compiled execution of queries: a plan per (document, operation), read level by level, answered from rows."""
