"""The server's own job worker (PARTNERGRAPH_WORKER_IN_PROCESS), started and stopped with the app."""
import asyncio
import contextlib
from collections.abc import AsyncIterator

from domain.db import Database
from domain.job_worker import Worker, worker_from
from domain.settings import Settings


@contextlib.asynccontextmanager
async def in_process_worker(db: Database, settings: Settings) -> AsyncIterator[Worker | None]:
    if not settings.worker_in_process:
        yield None
        return
    from partnergraph.job_kinds import registry

    worker = worker_from(db, registry(), settings)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop), name="partnergraph-worker")
    try:
        yield worker
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=10)
        except TimeoutError:
            # A job still under way: its lease runs out and another worker takes it again.
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
