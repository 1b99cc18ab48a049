"""schema.graphql at the root is the exported SDL and always matches the code (SPEC §7)."""
from pathlib import Path

from strawberry.printer import print_schema

from gql.schema import schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_graphql_is_the_schema_the_code_serves():
    # What `strawberry export-schema gql.schema:schema` and `partnergraph export-schema` print.
    exported = print_schema(schema) + "\n"
    committed = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
    assert committed == exported, "schema.graphql is out of date with the code: run `make schema` and commit it"
