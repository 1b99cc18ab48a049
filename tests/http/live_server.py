"""A real partnergraph server (uvicorn in a child process) on 127.0.0.1, on a copy of a demo database."""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
JS = REPO / "tests" / "js"
PARTNERGRAPH = Path(sys.executable).with_name("partnergraph")


@dataclass(frozen=True)
class DemoDatabase:
    path: Path
    admin_email: str
    admin_token: str


@dataclass(frozen=True)
class LiveServer:
    url: str  # http://127.0.0.1:PORT
    token: str  # the demo admin's API token
    admin_email: str
    log: Path

    @property
    def graphql_url(self) -> str:
        return self.url + "/graphql"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settings_env(database: Path, folder: Path, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARTNERGRAPH_")}
    env.update({
        "PARTNERGRAPH_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "PARTNERGRAPH_FILES_DIR": str(folder / "files"),
        **{f"PARTNERGRAPH_{k.upper()}": v for k, v in settings.items()},
    })
    return env


def seed_demo(folder: Path) -> DemoDatabase:
    """The demo data in a SQLite file, with an API token for its admin (made once; servers get copies)."""
    from domain.demo import companies as demo

    path = folder / "demo.db"
    env = settings_env(path, folder)
    subprocess.run([str(PARTNERGRAPH), "seed-demo"], env=env, cwd=folder, check=True, capture_output=True)
    created = subprocess.run(
        [str(PARTNERGRAPH), "token", "create", "--email", demo.DEMO_ADMIN_EMAIL, "--label", "live-server tests"],
        env=env, cwd=folder, check=True, capture_output=True, text=True,
    )
    return DemoDatabase(path, demo.DEMO_ADMIN_EMAIL, created.stdout.strip())


@contextlib.contextmanager
def running_server(demo_db: DemoDatabase, folder: Path, **settings: str) -> Iterator[LiveServer]:
    """Serves a copy of the demo database with the given settings (e.g. rate_limit="false")."""
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "server.db"
    shutil.copyfile(demo_db.path, database)
    port = free_port()
    log = folder / "server.log"
    # The working directory is the test's folder, so a developer's ./.env is never read.
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "partnergraph.composition:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning"],
            env=settings_env(database, folder, **settings), cwd=folder, stdout=output, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start in 30 s:\n{log.read_text()}")
            time.sleep(0.1)
        yield LiveServer(url, demo_db.admin_token, demo_db.admin_email, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def node_or_skip():
    """The node binary; skips the test only when node itself is not installed (CI installs it)."""
    import pytest

    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed here (.ci/run installs nodejs and npm)")
    if not (JS / "node_modules").is_dir():
        pytest.fail("tests/js/node_modules is missing: run `npm ci` in tests/js (as .ci/run does)")
    return node


def run_node(script: str, *args: str, timeout: float = 120, env: dict[str, str] | None = None) -> str:
    node = node_or_skip()
    done = subprocess.run([node, script, *args], cwd=JS, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    if done.returncode != 0:
        raise AssertionError(f"node {script} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout
