"""The `partnergraph` command: serve the API, migrate, manage API tokens, export the schema, load demo data."""
import argparse
import asyncio
import json
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from strawberry.printer import print_schema

from domain.demo import companies as demo
from domain.platform import migrations
from domain.platform.db import Database, is_sqlite
from domain.platform.errors import DomainError
from domain.model import Company, User
from domain.platform.settings import Settings
from domain.access.tokens import create_token, list_tokens, revoke_token
from gql.schema import schema
from partnergraph import worker_command
from partnergraph import persisted_query_command as persisted_queries

EXAMPLE_QUERY = "{ viewer { email } projects(first: 10) { nodes { number name status } } }"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="partnergraph",
        description="GraphQL API server for partner-company groups. Settings come from PARTNERGRAPH_* variables.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the API server (GraphiQL at /graphql)")
    serve.add_argument("--host", help="interface to listen on (default: PARTNERGRAPH_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (default: PARTNERGRAPH_PORT)")
    serve.add_argument("--demo", action="store_true",
                       help="migrate, load demo data into an empty database and print a demo token first")
    serve.add_argument("--workers", type=int, default=1,
                       help="server processes sharing the port (default 1; more than 1 on PostgreSQL only)")

    commands.add_parser("migrate", help="apply the database migrations")

    token = commands.add_parser("token", help="create, revoke and list API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = token_commands.add_parser("create", help="create a token and print it (shown only this once)")
    create.add_argument("--email", required=True, help="the user the token signs in as")
    create.add_argument("--company", metavar="DATABASE_NAME", help="limit the token to one company")
    create.add_argument("--operator", action="store_true",
                        help="make the user an operator (created when the email is unknown)")
    create.add_argument("--days", type=int, help="lifetime in days (default: PARTNERGRAPH_TOKEN_DEFAULT_DAYS)")
    create.add_argument("--label", help="a note saying what the token is for")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id", type=int)
    token_commands.add_parser("list", help="list tokens (never the tokens themselves)")

    export = commands.add_parser("export-schema", help="print the GraphQL SDL (as `strawberry export-schema`)")
    export.add_argument("--output", "-o", type=Path, help="write to this file instead of standard output")

    commands.add_parser("seed-demo", help="migrate and load demo data into an empty database")
    persisted_queries.add_parser(commands)
    worker_command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        first = error.errors()[0]
        name = "PARTNERGRAPH_" + "_".join(str(part) for part in first["loc"]).upper()
        return fail(f"{name}: {first['msg']}")
    if args.command == "serve":
        return serve(args, settings)
    if args.command == "worker":
        return asyncio.run(worker_command.run(settings, args))
    return asyncio.run(execute(args, settings))


async def execute(args: argparse.Namespace, settings: Settings) -> int:
    """Runs every command but `serve`; tests call this inside their own event loop."""
    if args.command == "export-schema":
        return export_schema(args.output)
    db = Database(settings)
    try:
        if args.command == "migrate":
            await migrations.upgrade(db.engine)
            print(f"Migrated {display_url(settings)} to the latest revision.")
        elif args.command == "seed-demo":
            await migrations.upgrade(db.engine)
            admin_email = await demo.load(db)
            names = ", ".join(c.database_name for c in demo.COMPANIES)
            print(f"Loaded the demo companies {names} into {display_url(settings)}.")
            print(f"Sign in as their admin with: partnergraph token create --email {admin_email}")
        elif not await migrations.is_migrated(db.engine):
            # Said before any query, which would only say "no such table" (and, on SQLite, leave an empty file).
            return fail(f"{display_url(settings)} has no partnergraph tables yet: run `make serve` "
                        "(or `partnergraph migrate`) first")
        elif args.command == "token":
            await token_command(db, settings, args)
        elif args.command == "persisted-query":
            await persisted_queries.run(db, args)
        return 0
    except DomainError as error:
        return fail(error.message)
    except (DBAPIError, OSError) as error:
        return fail(f"database {display_url(settings)}: {str(error).splitlines()[0]}", code=1)
    finally:
        await db.dispose()


async def token_command(db: Database, settings: Settings, args: argparse.Namespace) -> None:
    if args.token_command == "create":
        plain, token = await create_token(
            db, settings, email=args.email, company=args.company, operator=args.operator, days=args.days,
            label=args.label,
        )
        # The token alone on stdout, so `TOKEN=$(partnergraph token create ...)` works.
        print(plain)
        scope = f"company {args.company}" if args.company else "all the user's companies"
        print(f"Token {token.id} for {args.email.strip().lower()} ({scope}), expires "
              f"{token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown only this once.", file=sys.stderr)
    elif args.token_command == "revoke":
        token = await revoke_token(db, args.id)
        print(f"Token {token.id} is revoked (since {token.revoked_at:%Y-%m-%d %H:%M} UTC).")
    else:
        async with db.read() as session:
            companies = dict((await session.execute(select(Company.id, Company.database_name))).all())
        rows = [
            (str(t.id), email, companies.get(t.company_id, "(all)"), f"{t.expires_at:%Y-%m-%d %H:%M}",
             f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "no", t.label or "")
            for t, email in await list_tokens(db)
        ]
        print_table(("ID", "EMAIL", "COMPANY", "EXPIRES (UTC)", "REVOKED", "LABEL"), rows)


def print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    if not rows:
        print("No tokens.")
        return
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())


def export_schema(output: Path | None) -> int:
    # The same text `strawberry export-schema gql.schema:schema` prints, byte for byte.
    text = print_schema(schema) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        print(f"Schema exported to {output}", file=sys.stderr)
    return 0


def serve(args: argparse.Namespace, settings: Settings) -> int:
    host, port = args.host or settings.host, args.port or settings.port
    if args.workers < 1:
        return fail("--workers: at least 1 server process.")
    if args.workers > 1 and is_sqlite(settings.database_url):
        # SQLite has one writer at a time, and the subscriptions of one process would not hear of the events
        # another process writes until their next poll: one process is what SQLite is served with.
        return fail(f"--workers {args.workers}: several server processes need PostgreSQL; "
                    f"{display_url(settings)} is SQLite, which is served by one process (--workers 1).")
    if args.demo:
        try:
            token = asyncio.run(prepare_demo(settings))
        except DomainError as error:
            return fail(error.message)
        except (DBAPIError, OSError) as error:
            return fail(f"database {display_url(settings)}: {str(error).splitlines()[0]}", code=1)
        print_demo_banner(token, host, port)
    # Each worker process builds its own app (engine, pool, event delivery, in-process job worker).
    # No per-message deflate on WebSockets: an event's `next` message is a few hundred bytes, and compressing it
    # per connection (each keeps its own compressor) cost more CPU than the rest of a fanned-out delivery
    # (bench/README.md, subscriptions); a client that offers the extension is answered without it.
    uvicorn.run("partnergraph.composition:create_app", factory=True, host=host, port=port, workers=args.workers,
                ws_per_message_deflate=False)
    return 0


async def prepare_demo(settings: Settings) -> str | None:
    """Migrates, seeds an empty database, and returns a fresh token for the demo admin (None: no demo data here)."""
    db = Database(settings)
    try:
        print(f"==> migrate: {display_url(settings)}", flush=True)
        await migrations.upgrade(db.engine)
        async with db.read() as session:
            empty = await demo.is_empty(session)
            has_demo = await session.scalar(select(User.id).where(User.email == demo.DEMO_ADMIN_EMAIL))
        if empty:
            print("==> demo: loading the demo companies (a few seconds)", flush=True)
            await demo.load(db)
            print(f"Loaded demo data into {display_url(settings)}.")
        elif has_demo is None:
            print(f"{display_url(settings)} holds data that is not the demo's: no demo data loaded, no demo token. "
                  "Create a token with `partnergraph token create --email ...`.")
            return None
        # Short-lived: a new one is printed at every start, so old ones need not linger.
        days = min(30, settings.token_max_days)
        plain, _ = await create_token(
            db, settings, email=demo.DEMO_ADMIN_EMAIL, days=days, label="demo (partnergraph serve)"
        )
        return plain
    finally:
        await db.dispose()


def print_demo_banner(token: str | None, host: str, port: int) -> None:
    url = f"http://{'localhost' if host in ('0.0.0.0', '::') else host}:{port}/graphql"
    print()
    print(f"  partnergraph demo: GraphiQL at {url}")
    if token:
        body = json.dumps({"query": EXAMPLE_QUERY})
        print(f"  Demo admin:  {demo.DEMO_ADMIN_EMAIL} (company {demo.COMPANIES[0].database_name})")
        print(f"  Demo token:  {token}")
        print("  (a new token each start; send it as `Authorization: Bearer <token>`, in GraphiQL too)")
        print()
        print("  Try:")
        print(f"    curl -s {url} \\")
        print(f"      -H 'Authorization: Bearer {token}' \\")
        print("      -H 'Content-Type: application/json' \\")
        print(f"      -d {shlex.quote(body)}")
    print(flush=True)


def display_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def fail(message: str, *, code: int = 2) -> int:
    print(f"partnergraph: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
