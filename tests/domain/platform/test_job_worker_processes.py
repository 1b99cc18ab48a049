"""Worker processes sharing one database: no job runs twice, and a killed worker's job is taken again."""
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from domain.platform import jobs
from domain.model import File, FileTransferState, Job, JobState, StorageLocation
from tests.factories import add_customer, add_file, add_project, company_with_staff

ROOT = Path(__file__).resolve().parents[3]
JOBS = 300


@contextlib.contextmanager
def worker_processes(database_url: str, count: int, *, concurrency: int = 1, lease_seconds: float = 60,
                     command: list[str] | None = None):
    env = {**os.environ, "PARTNERGRAPH_DATABASE_URL": database_url, "PARTNERGRAPH_JOB_POLL_SECONDS": "0.1",
           "PARTNERGRAPH_JOB_LEASE_SECONDS": str(lease_seconds), "PARTNERGRAPH_JOB_BACKOFF_SECONDS": "0.1"}
    processes = [
        subprocess.Popen(command or [sys.executable, "-m", "tests.job_worker_process", str(concurrency)],
                         env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(count)
    ]
    try:
        for process in processes:
            assert process.stdout.readline(), process.stderr.read()[-2000:]
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def enqueue_many(db, kind: str, payloads: list[dict]) -> list[int]:
    async with db.transaction() as session:
        rows = [jobs.enqueue(session, kind, payload) for payload in payloads]
        await session.flush()
        return [row.id for row in rows]


async def wait_until(db, condition, *, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.read() as session:
            if await condition(session):
                return
        await asyncio.sleep(0.1)
    raise AssertionError("timed out waiting for the workers")


async def all_done(session) -> bool:
    return not await session.scalar(select(func.count(Job.id)).where(Job.state != JobState.DONE))


async def test_several_worker_processes_on_postgresql_never_run_one_job_twice(db, tmp_path):
    if db.sqlite:
        pytest.skip("several worker processes share PostgreSQL (SKIP LOCKED); SQLite is one machine's database")
    trace = tmp_path / "trace.txt"
    ids = await enqueue_many(db, "test.append", [{"trace": str(trace)} for _ in range(JOBS)])

    with worker_processes(db.settings.database_url, 3, concurrency=4):
        await wait_until(db, all_done)

    runs = [line.split() for line in trace.read_text().splitlines()]
    assert Counter(int(job_id) for job_id, _, _ in runs) == Counter(ids)  # every job exactly once
    assert {attempt for _, attempt, _ in runs} == {"1"}
    assert len({pid for _, _, pid in runs}) == 3, "every process took a share"


async def test_a_killed_workers_job_is_taken_again_after_its_lease_expires(db, tmp_path):
    trace = tmp_path / "trace.txt"
    [job_id] = await enqueue_many(db, "test.hang", [{"trace": str(trace)}])

    # given a worker that has started the job and is killed (no chance to say anything)
    with worker_processes(db.settings.database_url, 1, lease_seconds=1.5) as [doomed]:
        deadline = time.monotonic() + 30
        while not (trace.exists() and trace.read_text()):
            assert time.monotonic() < deadline, doomed.stderr.read()
            await asyncio.sleep(0.05)
        doomed.kill()
        doomed.wait()

    # when another worker runs
    with worker_processes(db.settings.database_url, 1, lease_seconds=1.5) as [heir]:
        await wait_until(db, all_done, timeout=30)

    # then it ran the job once more, after the lease ran out
    started, done = trace.read_text().splitlines()
    assert started == f"started {job_id} {doomed.pid}"
    assert done == f"done {job_id} 2 {heir.pid}"


async def test_the_partnergraph_worker_command_runs_the_transfer_jobs_of_this_build(db, tmp_path):
    # given a file waiting to go to SharePoint
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    file_id = await add_file(db, acme, project_id=await add_project(db, acme, customer_id))
    async with db.transaction() as session:
        await session.execute(update(File).where(File.id == file_id).values(transfer_state=FileTransferState.PENDING))
        from domain.model import Customer

        await session.execute(update(Customer).where(Customer.id == customer_id)
                              .values(storage_location=StorageLocation.SHAREPOINT))
        jobs.enqueue(session, "sharepoint.transfer", {"file_id": file_id})

    command = [str(ROOT / ".venv/bin/partnergraph"), "worker", "--concurrency", "2"]
    if not Path(command[0]).exists():
        command[0:1] = [sys.executable, "-m", "partnergraph"]
    with worker_processes(db.settings.database_url, 1, command=command):
        async def failed(session) -> bool:
            return (await session.get(File, file_id, populate_existing=True)).transfer_state is FileTransferState.FAILED

        await wait_until(db, failed, timeout=30)
    async with db.read() as session:
        assert "SharePoint is not configured" in (await session.get(File, file_id)).transfer_error
