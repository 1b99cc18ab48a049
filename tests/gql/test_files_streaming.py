"""Large files through a real server process: a ~50 MB upload and download never held whole in its memory.

The server is `partnergraph serve` (uvicorn) in its own process on 127.0.0.1; its memory is read from
/proc/<pid>/status (VmHWM, the peak resident set, reset through /proc/<pid>/clear_refs before each step).
The file is generated on the fly and hashed as it is sent and received; nothing of it is kept in the test.
"""
import hashlib
import json
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from domain import model as m
from tests.factories import add_customer, add_project, company_with_staff, gid
from tests.uploads import PREFLIGHT, UPLOAD, file_part_head, multipart_head

MIB = 1024 * 1024
FILE_SIZE = 50 * MIB
LIMIT = 56 * MIB
CHUNK = MIB
# Far below the file size: the contents pass through in chunks and are never all in memory at once.
MAX_PEAK_GROWTH = 16 * MIB

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read memory")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kib(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


class Peak:
    """Peak resident memory of a process during a step: VmHWM after minus VmRSS before (the peak is reset
    first where the kernel allows; otherwise the earlier peak can only make the measured growth larger)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def __enter__(self) -> "Peak":
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:
            pass
        self.before = memory_kib(self.pid)["VmRSS"] * 1024
        return self

    def __exit__(self, *exc) -> None:
        self.peak = memory_kib(self.pid)["VmHWM"] * 1024
        self.growth = self.peak - self.before


def generated(size: int, seed: int, digest) -> "iter[bytes]":
    """`size` pseudo-random bytes in 1 MiB chunks, fed to `digest` as they are produced."""
    rng = random.Random(seed)
    sent = 0
    while sent < size:
        chunk = rng.randbytes(min(CHUNK, size - sent))
        digest.update(chunk)
        sent += len(chunk)
        yield chunk


def upload_body(entity_id: str, size: int, seed: int, digest) -> tuple["iter[bytes]", int, str]:
    """A multipart fileUpload request around generated contents: its chunks, its length and its Content-Type."""
    boundary = uuid.uuid4().hex
    operations = {"query": UPLOAD, "variables": {"input": {"entityId": entity_id, "file": None}}}
    head = multipart_head(operations, {"0": ["variables.input.file"]}, boundary)
    head += file_part_head(boundary, "0", "large.bin", "application/octet-stream")
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks():
        yield head
        yield from generated(size, seed, digest)
        yield tail

    return chunks(), len(head) + size + len(tail), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
async def server(db, tmp_path):
    """`partnergraph serve` on a free port, on the test database, with its own content store."""
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await add_customer(db, acme), members=[acme["employee"]])
    port = free_port()
    env = {
        **os.environ,
        "PARTNERGRAPH_DATABASE_URL": db.settings.database_url,
        "PARTNERGRAPH_FILES_DIR": str(tmp_path / "files"),
        "PARTNERGRAPH_MAX_UPLOAD_BYTES": str(LIMIT),
        "PARTNERGRAPH_GRAPHIQL": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "partnergraph", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {process.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)
        yield {"base": base, "pid": process.pid, "acme": acme, "project": gid("Project", project_id),
               "files": tmp_path / "files"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def send_upload(client: httpx.AsyncClient, token: str, entity_id: str, size: int, seed: int, digest):
    chunks, length, content_type = upload_body(entity_id, size, seed, digest)

    async def body():
        for chunk in chunks:
            yield chunk

    client.sent = 0

    async def counted():
        async for chunk in body():
            client.sent += len(chunk)
            yield chunk

    return await client.post("/graphql", content=counted(), headers={
        **PREFLIGHT, "Authorization": f"Bearer {token}", "Content-Type": content_type, "Content-Length": str(length),
    })


async def test_a_50_mb_file_goes_up_and_down_with_the_servers_memory_bounded(db, server):
    token = server["acme"]["employee"].token
    async with httpx.AsyncClient(base_url=server["base"], timeout=120) as client:
        # given a warmed-up server (a small round trip first: imports, threads and pools in place)
        warm = await send_upload(client, token, server["project"], 256 * 1024, 1, hashlib.sha256())
        assert warm.status_code == 200, warm.text
        await client.get(json.loads(warm.text)["data"]["fileUpload"]["file"]["url"],
                         headers={"Authorization": f"Bearer {token}"})

        # when a 50 MB file is uploaded
        sent = hashlib.sha256()
        with Peak(server["pid"]) as upload_memory:
            response = await send_upload(client, token, server["project"], FILE_SIZE, 2, sent)
        payload = response.json()["data"]["fileUpload"]
        assert payload["userErrors"] == [], payload
        file = payload["file"]
        assert (file["size"], file["sha256"]) == (FILE_SIZE, sent.hexdigest())

        # and downloaded again
        received = hashlib.sha256()
        length = 0
        with Peak(server["pid"]) as download_memory:
            async with client.stream("GET", file["url"], headers={"Authorization": f"Bearer {token}"}) as download:
                assert download.status_code == 200
                assert download.headers["content-length"] == str(FILE_SIZE)
                assert download.headers["content-type"] == "application/octet-stream"
                assert download.headers["content-disposition"].startswith('attachment; filename="large.bin"')
                async for chunk in download.aiter_bytes():
                    received.update(chunk)
                    length += len(chunk)

    # then the bytes are the same, and the server's memory never grew by more than a fraction of the file
    assert (length, received.hexdigest()) == (FILE_SIZE, sent.hexdigest())
    assert upload_memory.growth < MAX_PEAK_GROWTH, f"upload grew the server by {upload_memory.growth / MIB:.1f} MiB"
    assert download_memory.growth < MAX_PEAK_GROWTH, f"download grew it by {download_memory.growth / MIB:.1f} MiB"
    print(f"\nserver peak growth: upload {upload_memory.growth / MIB:.1f} MiB, "
          f"download {download_memory.growth / MIB:.1f} MiB, for a {FILE_SIZE / MIB:.0f} MiB file")


async def test_an_oversized_upload_to_the_server_is_cut_off_at_the_limit_and_leaves_nothing(db, server):
    token = server["acme"]["admin"].token
    sent = hashlib.sha256()
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=server["base"], timeout=120) as client:
        with Peak(server["pid"]) as memory:
            try:
                response = await send_upload(client, token, server["project"], 4 * LIMIT, 3, sent)
            except httpx.TransportError:
                response = None  # the server closed the connection while the body was still being sent
        if response is not None:
            assert response.status_code == 413
            assert response.json()["errors"][0]["extensions"]["code"] == "FILE_TOO_LARGE"
        # the client could send little more than the limit (what socket buffers hold) before the server hung up
        print(f"\nrefused after {client.sent / MIB:.1f} MiB sent of {4 * LIMIT / MIB:.0f}; "
              f"{'413 received' if response is not None else 'connection closed'}")
        assert client.sent < LIMIT + 16 * MIB
        assert (await client.get("/health")).status_code == 200
    assert time.monotonic() - started < 60
    assert memory.growth < MAX_PEAK_GROWTH
    assert [p for p in server["files"].rglob("*") if p.is_file()] == []
    async with db.read() as session:
        assert await session.scalar(select(func.count(m.File.id))) == 0
