"""Real partnergraph server processes (uvicorn) on 127.0.0.1 against a test database, for scale-out tests."""
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_healthy(server: "Server") -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server process exited with {server.process.returncode}: "
                               f"{server.log.read_text()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server at {server.url} did not become healthy within {STARTUP_SECONDS}s")


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path  # the process's stderr (uvicorn's and partnergraph's log lines)


@contextlib.contextmanager
def servers(database_url: str, count: int, workdir: Path, env: dict[str, str] | None = None) -> Iterator[list[Server]]:
    """`count` uvicorn processes serving partnergraph.composition:create_app on free ports, each logging to a file
    in `workdir`; stops exactly these processes afterwards (one a test killed is left as it is)."""
    env = {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": database_url,
        "PARTNERGRAPH_FILES_DIR": str(workdir / "files"),
        # The burst below comes from one token per company: the per-token rate limit is not under test here.
        "PARTNERGRAPH_RATE_LIMIT": "false",
        **(env or {}),
    }
    started: list[Server] = []
    try:
        for n in range(count):
            port = free_port()
            log = workdir / f"server-{n}.log"
            with open(log, "w", encoding="utf-8") as stderr:
                process = subprocess.Popen(
                    [sys.executable, "-m", "uvicorn", "partnergraph.composition:create_app", "--factory",
                     "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
                    env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=stderr, text=True,
                )
            started.append(Server(f"http://127.0.0.1:{port}", process, log))
        for server in started:
            _wait_until_healthy(server)
        yield started
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.terminate()
        for server in started:
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=5)


@contextlib.contextmanager
def server_processes(database_url: str, count: int, workdir: Path) -> Iterator[list[str]]:
    """The base URLs of `servers(...)`."""
    with servers(database_url, count, workdir) as started:
        yield [server.url for server in started]
