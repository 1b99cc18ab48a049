"""`partnergraph persisted-query`: store, list and remove the documents clients may run by hash.

With PARTNERGRAPH_PERSISTED_QUERIES=only these are the only queries the server runs: build the list
from the front end's queries (one .graphql file each, or an Apollo persisted-query manifest).
"""
import argparse
import json
from pathlib import Path

from graphql import GraphQLError, parse, validate

from domain.platform.db import Database
from domain.platform.errors import InvalidInput
from domain.platform.persisted_queries import list_queries, remove_query, save_query
from gql.schema import schema


def add_parser(commands) -> None:
    persisted = commands.add_parser("persisted-query", help="store, list and remove persisted queries")
    actions = persisted.add_subparsers(dest="persisted_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="store documents (each FILE a .graphql document, or an Apollo "
                                         "persisted-query manifest .json) and print their hashes")
    add.add_argument("files", nargs="+", type=Path, metavar="FILE")
    actions.add_parser("list", help="list the stored documents' hashes, sources and first lines")
    remove = actions.add_parser("remove", help="remove a stored document by its SHA-256")
    remove.add_argument("sha256")


def documents_in(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"{path}: {error.strerror}", field="files") from error
    if path.suffix != ".json":
        return [text]
    try:
        manifest = json.loads(text)
        return [operation["body"] for operation in manifest["operations"]]
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidInput(f"{path}: not an Apollo persisted-query manifest ({{\"operations\": [{{\"body\"}}]}}).",
                           field="files") from error


def check(document: str, source: str) -> None:
    """Only a document valid for the served schema is stored."""
    try:
        errors = validate(schema._schema, parse(document))
    except GraphQLError as error:
        errors = [error]
    if errors:
        raise InvalidInput(f"{source}: {errors[0].message}", field="files")


async def run(db: Database, args: argparse.Namespace) -> None:
    if args.persisted_command == "add":
        documents = [(f"{path}", doc) for path in args.files for doc in documents_in(path)]
        for source, document in documents:
            check(document, source)
        for source, document in documents:
            print(f"{await save_query(db, document, source='cli')}  {source}")
    elif args.persisted_command == "list":
        rows = await list_queries(db)
        if not rows:
            print("No persisted queries.")
        for row in rows:
            first_line = " ".join(row.query.split())[:60]
            print(f"{row.sha256}  {row.source:<4}  {row.created_at:%Y-%m-%d %H:%M}  {first_line}")
    elif not await remove_query(db, args.sha256):
        raise InvalidInput(f"No persisted query has the hash {args.sha256}.", field="sha256")
    else:
        print(f"Removed {args.sha256}.")
