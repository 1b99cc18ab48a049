"""Real partnergraph server processes (uvicorn) on 127.0.0.1 against a test database, for scale-out tests."""
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_healthy(process: subprocess.Popen, url: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server process exited with {process.returncode}: {process.stderr.read()[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server at {url} did not become healthy within {STARTUP_SECONDS}s")


@contextlib.contextmanager
def server_processes(database_url: str, count: int, workdir: Path) -> Iterator[list[str]]:
    """`count` uvicorn processes serving partnergraph.composition:create_app on free ports; yields their base URLs and stops
    exactly these processes afterwards."""
    env = {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": database_url,
        "PARTNERGRAPH_FILES_DIR": str(workdir / "files"),
        # The burst below comes from one token per company: the per-token rate limit is not under test here.
        "PARTNERGRAPH_RATE_LIMIT": "false",
    }
    processes: list[subprocess.Popen] = []
    urls: list[str] = []
    try:
        for _ in range(count):
            port = free_port()
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "partnergraph.composition:create_app", "--factory", "--host", "127.0.0.1",
                 "--port", str(port), "--log-level", "warning", "--no-access-log"],
                env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            ))
            urls.append(f"http://127.0.0.1:{port}")
        for process, url in zip(processes, urls, strict=True):
            _wait_until_healthy(process, url)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
