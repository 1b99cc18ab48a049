"""The server's own job worker (PARTNERGRAPH_WORKER_IN_PROCESS), started and stopped with the app."""
import asyncio
import contextlib
from collections.abc import AsyncIterator

from domain.platform.db import Database
from domain.platform.jobs import Registry
from domain.platform.job_worker import Worker, worker_from
from domain.platform.settings import Settings


@contextlib.asynccontextmanager
async def in_process_worker(db: Database, settings: Settings, job_kinds: Registry | None) -> AsyncIterator[Worker | None]:
    """Runs `job_kinds` (from the composition root, partnergraph.composition) unless the settings turn it off."""
    if not settings.worker_in_process or job_kinds is None:
        yield None
        return
    worker = worker_from(db, job_kinds, settings)
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
        await job_kinds.close()
