"""A throwaway PostgreSQL cluster for the test run, from the Debian binaries when they are installed."""
import glob
import os
import shlex
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass


@dataclass
class Cluster:
    url: str
    directory: str
    pg_ctl: str
    data: str
    as_postgres: bool

    def halt(self) -> None:
        """Stops the server (its data stays), as a database outage: sessions are ended, new ones refused."""
        stop_server(self.data)

    def resume(self) -> None:
        """Starts the halted server again on the same port."""
        start_server(self.data)

    def stop(self) -> None:
        _run([self.pg_ctl, "-D", self.data, "-m", "immediate", "stop"], self.as_postgres, check=False)
        shutil.rmtree(self.directory, ignore_errors=True)


def _run(args: list[str], as_postgres: bool, check: bool = True) -> subprocess.CompletedProcess:
    # initdb refuses to run as root: run the server as the postgres user then.
    if as_postgres:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=check, capture_output=True, text=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_binaries() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def start_cluster() -> Cluster | None:
    """A started cluster, or None when PostgreSQL is not installed (the caller says it skips)."""
    if os.environ.get("PARTNERGRAPH_TEST_POSTGRES_URL"):
        return Cluster(os.environ["PARTNERGRAPH_TEST_POSTGRES_URL"], "", "", "", False)
    bin_dir = find_binaries()
    if bin_dir is None:
        return None
    as_postgres = os.geteuid() == 0
    directory = tempfile.mkdtemp(prefix="partnergraph-pg-")
    if as_postgres:
        shutil.chown(directory, "postgres")
    data = os.path.join(directory, "data")
    _run([f"{bin_dir}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], as_postgres)
    port = _free_port()
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off " \
              "-c full_page_writes=off -c max_connections=200"
    pg_ctl = f"{bin_dir}/pg_ctl"
    _run([pg_ctl, "-D", data, "-o", options, "-l", os.path.join(directory, "log"), "-w", "start"], as_postgres)
    for _ in range(50):
        if _run([f"{bin_dir}/pg_isready", "-h", "127.0.0.1", "-p", str(port)], False, check=False).returncode == 0:
            break
        time.sleep(0.1)
    _run([f"{bin_dir}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "partnergraph"], False)
    return Cluster(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/partnergraph", directory, pg_ctl, data, as_postgres)


def stop_server(data: str) -> None:
    """Stops the PostgreSQL server of the data directory `data` (a database outage); start_server starts it again."""
    _run([f"{find_binaries()}/pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], os.geteuid() == 0)


def start_server(data: str) -> None:
    """Starts the server of `data` again with the options it last ran with (postmaster.opts)."""
    with open(os.path.join(data, "postmaster.opts")) as opts:
        _binary, _d, _data, *options = shlex.split(opts.read())
    log = os.path.join(os.path.dirname(data), "log")
    _run([f"{find_binaries()}/pg_ctl", "-D", data, "-o", shlex.join(options), "-l", log, "-w", "start"],
         os.geteuid() == 0)
