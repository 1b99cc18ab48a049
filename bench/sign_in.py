"""What a request's sign-in costs, with and without the process's cache of viewers (issue 17, item 5).

    .venv/bin/python -m bench.sign_in --db postgresql      # a throwaway PostgreSQL cluster
    .venv/bin/python -m bench.sign_in --db sqlite --rounds 5000

Signs one employee's token in as a request does (on the request's shared read connection, followed by one
small SELECT as the request's first read, the connection given back after) `--rounds` times each way,
alternating: "statement" without the cache (the one sign-in statement), "cached"
with a warm cache (PostgreSQL: nothing sent; SQLite: `PRAGMA data_version`). Prints the application's CPU
(this process, with its driver threads) and the wall time per sign-in, and the statements each sent.
"""
import argparse
import asyncio
import time

from sqlalchemy import event, select

from domain.model import Company

from bench.common import throwaway_database
from domain.access.tokens import viewer_for_token
from domain.access.viewer_cache import ViewerCache
from domain.platform.db import Database
from domain.platform.migrations import upgrade
from domain.platform.settings import Settings
from tests.factories import company_with_staff

FIRST_READ = select(Company.id).limit(1)


async def sign_ins(db: Database, token: str, rounds: int, cache: ViewerCache | None) -> tuple[float, float]:
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(rounds):
        reads = db.shared_reads()
        try:
            assert await viewer_for_token(db, token, reads=reads, cache=cache) is not None
            # The request's first read after the sign-in: the connection is taken by then in either way.
            async with reads.read() as session:
                await session.execute(FIRST_READ)
        finally:
            await reads.close()
    return (time.process_time() - cpu) / rounds * 1e6, (time.perf_counter() - wall) / rounds * 1e6


async def main(args: argparse.Namespace) -> None:
    async with throwaway_database(args.db) as url:
        db = Database(Settings(database_url=url, _env_file=None))
        await upgrade(db.engine)
        token = (await company_with_staff(db))["employee"].token
        cache = ViewerCache(db, 100)
        statements: list[str] = []
        event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        async with cache.running():
            await asyncio.wait_for(cache.listening.wait(), 10)
            results: dict[str, list[tuple[float, float]]] = {"statement": [], "cached": []}
            sent: dict[str, int] = {}
            for _repeat in range(args.repeats):
                for way, used in (("statement", None), ("cached", cache)):
                    await sign_ins(db, token, 50, used)  # warm
                    statements.clear()
                    results[way].append(await sign_ins(db, token, args.rounds, used))
                    sent[way] = len(statements) // args.rounds - 1  # less the first read
            for way, runs in results.items():
                cpu = sorted(r[0] for r in runs)[len(runs) // 2]
                wall = sorted(r[1] for r in runs)[len(runs) // 2]
                print(f"{args.db:10} {way:9} CPU {cpu:7.0f} µs  wall {wall:7.0f} µs  statements {sent[way]}"
                      f"  (median of {len(runs)} runs of {args.rounds})")
            print(f"cache hits {cache.hits}, misses {cache.misses}")
        await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
