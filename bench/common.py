"""What the benchmarks share: a throwaway database (SQLite file or PostgreSQL cluster), the server in its own
uvicorn process on loopback, its memory, and a description of the machine they ran on."""
import asyncio
import contextlib
import os
import platform
import signal
import socket
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

STARTUP_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def throwaway_database(kind: str) -> AsyncIterator[str]:
    """The URL of an empty database: a SQLite file in a temporary folder, or a PostgreSQL cluster of its own
    (the Debian binaries, as the tests use them); removed afterwards."""
    if kind == "sqlite":
        directory = tempfile.mkdtemp(prefix="bench-")
        try:
            yield f"sqlite+aiosqlite:///{directory}/bench.db"
        finally:
            import shutil

            shutil.rmtree(directory, ignore_errors=True)
        return
    from tests.pg_cluster import start_cluster

    cluster = start_cluster()
    if cluster is None:
        raise SystemExit("PostgreSQL is not installed (/usr/lib/postgresql/*/bin)")
    try:
        yield cluster.url
    finally:
        if cluster.directory:
            cluster.stop()


async def start_server(database_url: str, port: int, *, env: dict[str, str] | None = None,
                       profile: str | None = None, uvicorn_args: tuple[str, ...] = ()) -> asyncio.subprocess.Process:
    """`uvicorn partnergraph.composition:create_app` (one worker) on 127.0.0.1:`port`, started and answering /health.
    `profile`: run it under cProfile, writing there when it stops (stop_server sends SIGINT for it)."""
    full_env = {**os.environ, "PARTNERGRAPH_DATABASE_URL": database_url,
                "PARTNERGRAPH_FILES_DIR": tempfile.mkdtemp(prefix="bench-files-"), **(env or {})}
    process = await asyncio.create_subprocess_exec(
        sys.executable, *(["-m", "cProfile", "-o", profile] if profile else []),
        "-m", "uvicorn", "partnergraph.composition:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "warning", *uvicorn_args, env=full_env,
        cwd=str(Path(__file__).resolve().parent.parent),
    )
    async with httpx.AsyncClient() as client:
        for _ in range(STARTUP_SECONDS * 10):
            if process.returncode is not None:
                raise SystemExit(f"the server exited with {process.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                    return process
            await asyncio.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


async def stop_server(process: asyncio.subprocess.Process) -> None:
    """SIGINT (a profiled server writes its profile on the way out), then SIGKILL if it lingers."""
    if process.returncode is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        await asyncio.wait_for(process.wait(), 20)
    except TimeoutError:
        process.kill()
        await process.wait()


def _status_kib(pid: int, field: str) -> int | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def peak_rss_kib(pid: int) -> int | None:
    """The process's peak resident set size (VmHWM) since it started or since reset_peak_rss."""
    return _status_kib(pid, "VmHWM")


def rss_kib(pid: int) -> int | None:
    return _status_kib(pid, "VmRSS")


def cpu_seconds(pid: int) -> float | None:
    """The CPU time (user + system) the process and its child processes (uvicorn's workers) have used: per
    request, a figure the machine's load bends less than latency does."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except (OSError, IndexError, ValueError):
        return None
    return own + sum(cpu_seconds(int(child)) or 0.0 for child in children)


def reset_peak_rss(pid: int) -> bool:
    """Linux ≥ 4.0 resets VmHWM to the current RSS on writing 5 to clear_refs; False where it cannot."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def machine() -> dict:
    """The CPU model, cores, memory, OS and Python of this machine (the server runs on the same one)."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_kib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        memory_kib = int(Path("/proc/meminfo").read_text().splitlines()[0].split()[1])
    os_name = platform.platform()
    with contextlib.suppress(OSError):
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                os_name = line.split("=", 1)[1].strip('"')
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024 / 1024, 1) if memory_kib else None,
        "os": os_name,
        "python": platform.python_version(),
        "hostname": platform.node(),
    }
