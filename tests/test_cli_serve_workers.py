"""`partnergraph serve --workers N`: N server processes share the port on PostgreSQL; SQLite is refused."""
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.factories import company_with_staff
from tests.server_processes import free_port

WHO_AM_I = "query { viewer { email } }"
STARTUP_SECONDS = 60


def serve(db, workdir: Path, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": db.settings.database_url,
        "PARTNERGRAPH_FILES_DIR": str(workdir / "files"),
        "PARTNERGRAPH_RATE_LIMIT": "false",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "partnergraph", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def worker_processes(pid: int) -> list[int]:
    """uvicorn's worker processes under `pid` (multiprocessing's spawned children; not its resource tracker)."""
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as file:
        pids = [int(child) for child in file.read().split()]
    workers = []
    for child in pids:
        with open(f"/proc/{child}/cmdline", "rb") as cmdline:
            if b"spawn_main" in cmdline.read():
                workers.append(child)
    return workers


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
    return inodes


def established_inodes(port: int) -> set[str]:
    """The sockets of connections accepted on `port` (the server's side) that are open now."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table, encoding="ascii") as file:
            for line in file.readlines()[1:]:
                fields = line.split()
                local_port = int(fields[1].rsplit(":", 1)[1], 16)
                if local_port == port and fields[3] == "01":  # ESTABLISHED
                    found.add(fields[9])
    return found


def wait_until_healthy(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError(f"the server did not answer within {STARTUP_SECONDS}s")


async def test_two_worker_processes_serve_on_postgresql_and_sqlite_is_refused(db, tmp_path):
    # given a company whose admin has a token
    acme = await company_with_staff(db)
    port = free_port()

    # when the server is started with two workers
    process = serve(db, tmp_path, port, workers=2)
    try:
        if db.sqlite:
            # then SQLite is refused, saying why and what to do, before anything is served
            _, err = process.communicate(timeout=STARTUP_SECONDS)
            assert process.returncode == 2
            assert "--workers 2: several server processes need PostgreSQL" in err
            assert "served by one process (--workers 1)" in err
            return
        url = f"http://127.0.0.1:{port}"
        await asyncio.to_thread(wait_until_healthy, process, url)
        workers = worker_processes(process.pid)
        assert len(workers) == 2, workers

        # and many clients, each on a connection of its own, are all answered, by both worker processes
        serving: set[int] = set()
        for _ in range(5):
            clients = [httpx.AsyncClient(base_url=url, timeout=30) for _ in range(16)]
            try:
                answers = await asyncio.gather(*(client.post(
                    "/graphql", json={"query": WHO_AM_I}, headers={"Authorization": f"Bearer {acme['admin'].token}"},
                ) for client in clients))
                assert [a.json()["data"] for a in answers] == [{"viewer": {"email": "admin@acme.test"}}] * 16
                open_connections = established_inodes(port)
                serving |= {pid for pid in workers if socket_inodes(pid) & open_connections}
            finally:
                await asyncio.gather(*(client.aclose() for client in clients))
            if serving == set(workers):
                break
        assert serving == set(workers), (serving, workers)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
