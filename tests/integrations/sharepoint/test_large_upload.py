"""A 200 MB file through an upload session, with the process's memory staying bounded."""
import hashlib
import os
import threading
import time

from domain.sharepoint.layout import placement
from integrations.sharepoint.graph import GraphSession
from domain.sharepoint.client import TransferTarget
from integrations.sharepoint.transfer import transfer_file
from tests.integrations.sharepoint.conftest import FixedTokenCredential, connection_to

SIZE = int(os.environ.get("BIG_MB", "200")) * 1024 * 1024
BLOCK = 1024 * 1024


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class PeakRss:
    """Samples this process's resident memory every 20 ms while running (emulator threads included)."""

    def __init__(self) -> None:
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def write_big_file(path) -> str:
    """200 MB made on the spot (each 1 MiB block different), returning its SHA-256."""
    digest = hashlib.sha256()
    block = os.urandom(BLOCK)
    with open(path, "wb") as out:
        for i in range(SIZE // BLOCK):
            piece = i.to_bytes(8, "big") + block[8:]
            digest.update(piece)
            out.write(piece)
    return digest.hexdigest()


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while piece := source.read(BLOCK):
            digest.update(piece)
    return digest.hexdigest()


async def test_a_200_mb_file_goes_through_an_upload_session_in_bounded_memory(graph_emulator, tmp_path):
    path = tmp_path / "video.mp4"
    expected = write_big_file(path)
    # The default fragment size (10 x 320 KiB), as a worker would use it.
    graph = GraphSession(connection_to(graph_emulator, chunk_bytes=10 * 320 * 1024), credential=FixedTokenCredential())
    try:
        spot = placement("Acme", "video.mp4", project=(1, "Launch"))
        await graph.site()  # the SDK is loaded before the baseline
        baseline = rss_bytes()
        started = time.monotonic()
        with PeakRss() as memory:
            result = await transfer_file(graph, TransferTarget(spot, SIZE), path)
        elapsed = time.monotonic() - started
    finally:
        await graph.close()
    (item,) = graph_emulator.state.files()
    assert item.id == result.item_id and item.size == SIZE
    assert sha256_of(item.content_path) == expected
    assert len(graph_emulator.calls("chunk")) == -(-SIZE // (10 * 320 * 1024))
    growth = memory.peak - baseline
    print(f"200 MB in {elapsed:.1f} s; peak RSS growth {growth / 2**20:.1f} MiB")
    assert growth < 24 * 1024 * 1024, f"memory grew by {growth / 2**20:.0f} MiB"
