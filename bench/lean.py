"""What the lean answer saves (issue 17, item 3): the bench reads answered in one process with the lean path on and
off, in alternating blocks, side by side (gql.http.lean).

    .venv/bin/python -m bench.lean --db postgresql --scale 0.05
    .venv/bin/python -m bench.lean --db sqlite --requests 200 --blocks 4

The app runs in this process behind httpx's ASGI transport (no sockets, no uvicorn), with the bench server's
settings (no rate limit, no cost maximum). Each block sends `--requests` requests of one read, after 20 untimed;
the process's CPU per request (the client's share included: `/health` requests give its size) is printed per
block and way, and the median of each way.
"""
import argparse
import asyncio
import statistics
import time

import httpx

from bench.common import throwaway_database
from bench.dataset import generate
from bench.operations import operations, reader_tokens
from domain.platform.db import Database
from domain.platform.migrations import upgrade
from domain.platform.settings import Settings
from gql.app import create_app
from gql.compiled.execution import RUNS

READS = ("timesheet", "project_page", "projects_nested", "hours_report")


async def cpu_per_request(client: httpx.AsyncClient, send, count: int) -> float:
    started = time.process_time()
    for index in range(count):
        await send(index)
    return (time.process_time() - started) * 1000 / count


async def run(args: argparse.Namespace) -> None:
    async with throwaway_database(args.db) as url:
        settings = Settings(database_url=url, _env_file=None, rate_limit=False, max_query_cost=100_000)
        db = Database(settings)
        try:
            await upgrade(db.engine)
            dataset = await generate(db, factor=args.scale, seed=args.seed, write_targets=1)
            tokens = await reader_tokens(db, settings, dataset)
            chosen = operations(dataset, tokens)
            app = create_app(settings, db)
            lean = app.state.lean
            async with app.router.lifespan_context(app), httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
                for name in READS:
                    def send(index: int, operation=chosen[name]):
                        body, token = operation.request_for(0, index)
                        return client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
                    ways: dict[str, list[float]] = {"full": [], "lean": []}
                    for _block in range(args.blocks):
                        for way in ways:
                            lean.enabled = way == "lean"
                            for index in range(20):
                                response = await send(index)
                                assert response.status_code == 200 and "errors" not in response.json(), response.text
                            before = RUNS["lean"]
                            ways[way].append(await cpu_per_request(client, send, args.requests))
                            assert (RUNS["lean"] - before == args.requests) == (way == "lean")
                    print(f"{name:16s} " + "  ".join(
                        f"{way} {statistics.median(values):6.2f} ms ({', '.join(f'{v:.2f}' for v in values)})"
                        for way, values in ways.items()), flush=True)
                health = await cpu_per_request(client, lambda _index: client.get("/health"), args.requests)
                print(f"{'(/health)':16s} {health:6.2f} ms: the client's and Starlette's share of each request")
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--requests", type=int, default=100, help="timed requests per block")
    parser.add_argument("--blocks", type=int, default=4, help="blocks of each way, alternating")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
