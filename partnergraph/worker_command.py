"""`partnergraph worker`: runs queued jobs in this process until SIGINT or SIGTERM (then finishes the job under way)."""
import argparse
import asyncio
import logging
import signal

from domain.platform.db import Database
from domain.platform.job_worker import worker_from
from domain.platform.settings import Settings
from partnergraph.composition import registry


def add_parser(commands) -> None:
    worker = commands.add_parser(
        "worker", help="run background jobs (SharePoint transfers); start several for more throughput",
        description="Runs queued jobs. Several worker processes may share one PostgreSQL database; on SQLite "
                    "they take jobs one claim at a time. Turn the server's own worker off with "
                    "PARTNERGRAPH_WORKER_IN_PROCESS=false when these do the work.",
    )
    worker.add_argument("--concurrency", type=int, default=1, metavar="N",
                        help="jobs this process runs at the same time (default 1)")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.concurrency < 1:
        raise SystemExit("partnergraph: --concurrency must be at least 1")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    db = Database(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    kinds = registry(settings)
    worker = worker_from(db, kinds, settings, concurrency=args.concurrency)
    print(f"partnergraph worker {worker.name}: {args.concurrency} at a time; stop with Ctrl-C.", flush=True)
    try:
        await worker.run(stop)
    finally:
        await kinds.close()
        await db.dispose()
    return 0
