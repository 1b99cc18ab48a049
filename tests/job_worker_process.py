"""A worker process for the queue tests: domain.platform.job_worker.Worker with two job kinds that leave a trace in a file.

`python -m tests.job_worker_process N` runs N claim loops until SIGTERM, against PARTNERGRAPH_DATABASE_URL.
"""
import asyncio
import os
import signal
import sys

from domain.platform import jobs
from domain.platform.db import Database
from domain.platform.job_worker import Worker, policy_from
from domain.platform.settings import Settings


def trace(path: str, line: str) -> None:
    # O_APPEND writes of one short line are atomic, so several processes can share the file.
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


async def append(_db, job: jobs.ClaimedJob) -> None:
    await asyncio.sleep(job.payload.get("seconds", 0.01))
    trace(job.payload["trace"], f"{job.id} {job.attempts} {os.getpid()}")


async def hang_on_first_attempt(_db, job: jobs.ClaimedJob) -> None:
    if job.attempts == 1:
        trace(job.payload["trace"], f"started {job.id} {os.getpid()}")
        await asyncio.sleep(3600)
    trace(job.payload["trace"], f"done {job.id} {job.attempts} {os.getpid()}")


def registry() -> jobs.Registry:
    kinds = jobs.Registry()
    kinds.register(jobs.JobKind("test.append", append))
    kinds.register(jobs.JobKind("test.hang", hang_on_first_attempt))
    return kinds


async def main(concurrency: int) -> None:
    settings = Settings()
    db = Database(settings)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    worker = Worker(db, registry(), policy_from(settings), concurrency=concurrency,
                    poll_seconds=settings.job_poll_seconds)
    print("ready", flush=True)
    try:
        await worker.run(stop)
    finally:
        await db.dispose()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
