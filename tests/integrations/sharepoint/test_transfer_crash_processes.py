"""Item 6 of issue 7 for real: a `partnergraph worker` PROCESS killed (SIGKILL) at each step of a transfer, and
another one started after the lease ran out, ends with exactly one item in SharePoint and the file TRANSFERRED.

The Graph emulator holds one chosen request open, so the test knows the worker is exactly there when it
kills it: before the upload, mid-session (a fragment accepted, the next one held), after the last fragment
was carried out (its answer never arrives), and after the upload while its columns are being filled.
"""
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from domain import model as m
from gql.ids import parse_global_id
from tests.factories import gid
from tests.graph_emulator import CHUNK_UNIT
from tests.integrations.sharepoint.test_transfer_job import a_sharepoint_project, sharepoint_db, upload_to  # noqa: F401

ROOT = Path(__file__).resolve().parents[3]
LEASE_SECONDS = 2.0
SMALL = 1000
# Fragments of two 320 KiB units (the sharepoint_db setting): three PUTs, the last one short.
LARGE = 5 * CHUNK_UNIT + 1000


def contents_of(size: int) -> bytes:
    return bytes(range(251)) * (size // 251) + bytes(size % 251)


@contextlib.contextmanager
def a_worker_process(db, log: Path):
    """`partnergraph worker` on the test database, the emulator's Graph and a short lease."""
    settings = db.settings
    env = {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": settings.database_url,
        "PARTNERGRAPH_FILES_DIR": str(settings.files_dir),
        "PARTNERGRAPH_SHAREPOINT_SECRET_KEY": settings.sharepoint_secret_key,
        "PARTNERGRAPH_SHAREPOINT_GRAPH_URL": settings.sharepoint_graph_url,
        "PARTNERGRAPH_SHAREPOINT_AUTHORITY": settings.sharepoint_authority,
        "PARTNERGRAPH_SHAREPOINT_CHUNK_BYTES": str(settings.sharepoint_chunk_bytes),
        "PARTNERGRAPH_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "PARTNERGRAPH_JOB_POLL_SECONDS": "0.1",
        "PARTNERGRAPH_JOB_BACKOFF_SECONDS": "0.1",
    }
    command = [str(ROOT / ".venv/bin/partnergraph"), "worker"]
    if not Path(command[0]).exists():
        command = [sys.executable, "-m", "partnergraph", "worker"]
    with open(log, "ab") as errors:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def reached(hold, log: Path, *, timeout: float = 60) -> None:
    if not await asyncio.to_thread(hold.reached.wait, timeout):
        raise AssertionError("the worker never got to the held request:\n" + log.read_text()[-3000:])


async def transferred(db, file_pk: int, log: Path, *, timeout: float = 60) -> m.File:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with db.read() as session:
            row = await session.get(m.File, file_pk, populate_existing=True)
            if row.transfer_state is m.FileTransferState.TRANSFERRED:
                return row
        await asyncio.sleep(0.1)
    raise AssertionError("the restarted worker did not transfer the file:\n" + log.read_text()[-3000:])


# name: (file size, the operation held, requests of it let through first, carried out before the kill?, content type)
STEPS = {
    "before the upload": (SMALL, "simple_upload", 0, False, False),
    "mid-session, after a fragment was accepted": (LARGE, "chunk", 1, False, False),
    "after the last fragment was taken, before our commit": (LARGE, "chunk", 2, True, False),
    "after the upload, while its columns are filled": (SMALL, "update_fields", 0, False, True),
}


@pytest.mark.parametrize("step", list(STEPS))
async def test_a_worker_process_killed_at_each_step_leaves_exactly_one_item_once_another_worker_ran(
    sharepoint_db, graph_emulator, tmp_path, step
):
    db = sharepoint_db
    size, op, after, carry_out, content_type = STEPS[step]
    log = tmp_path / "workers.log"
    # given a file waiting for its transfer, and Graph holding the request of that step open
    acme, _, project_id = await a_sharepoint_project(db, apply_content_type=content_type)
    hold = graph_emulator.hold(op, after=after, carry_out=carry_out)
    contents = contents_of(size)
    file_id = await upload_to(db, acme, gid("Project", project_id), contents, filename="survey.bin", tags=["site"])
    file_pk = parse_global_id(file_id)[1]

    # when the worker that got there is killed outright
    with a_worker_process(db, log) as doomed:
        await reached(hold, log)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
    hold.released.set()
    state = graph_emulator.state
    landed = len(state.files())
    assert landed == (1 if carry_out or content_type else 0), step
    if "mid-session" in step:
        assert any(s.received >= 2 * CHUNK_UNIT for s in state.sessions.values())
    async with db.read() as session:
        assert (await session.get(m.File, file_pk)).transfer_state is m.FileTransferState.PENDING

    # and another worker starts (it takes the job once the dead one's lease has run out)
    with a_worker_process(db, log):
        row = await transferred(db, file_pk, log)

    # then SharePoint holds the file exactly once, and partnergraph knows it by that item
    (item,) = state.files()
    with open(item.content_path, "rb") as stored:
        assert stored.read() == contents
    assert (row.sharepoint_item_id, row.sharepoint_web_url) == (item.id, state.web_url(item))
    assert row.name == item.name == "survey.bin"
    assert not [p for p in Path(db.settings.files_dir).rglob("*") if p.name == row.sha256], "local copy kept"
    if content_type:
        assert item.fields["momentTags"] == "site"
    async with db.read() as session:
        job = await session.scalar(select(m.Job))
    assert (job.state, job.attempts) == (m.JobState.DONE, 2)
