"""File contents on local disk, addressed by their SHA-256: streamed in, hashed while written, renamed into place.

Layout under the root folder (PARTNERGRAPH_FILES_DIR):

    incoming/<random>.part     an upload being received (same file system, so the rename is atomic)
    ab/cd/abcd…(64 hex)        the contents whose SHA-256 is abcd…

Identical contents are stored once; a blob is removed when no file row points at it any more
(domain.files.service decides that under a lock). Nothing here holds a file whole in memory:
uploads are written chunk by chunk, downloads read from the path.
"""
import hashlib
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from domain.platform.errors import FileTooLarge
from domain.platform.settings import Settings

INCOMING = "incoming"
TRASH = "trash"
SHA256_HEX = frozenset("0123456789abcdef")


def is_sha256(value: str) -> bool:
    return len(value) == 64 and set(value) <= SHA256_HEX


@dataclass(eq=False)
class IncomingContent:
    """One upload being received into a temporary file, hashed and counted as it is written.

    `accept` is the size check, called before any bytes are buffered: an upload passing the limit
    is refused at once, before the rest of it is read. `write` and `finish` do blocking disk work
    (run them in a worker thread); `discard` removes the temporary file and is safe to call twice.
    """

    path: Path
    limit: int
    filename: str
    content_type: str | None
    size: int = 0
    sha256: str | None = None
    _accepted: int = 0
    _hash: "hashlib._Hash" = field(default_factory=hashlib.sha256, repr=False)
    _file: object = field(default=None, repr=False)

    def accept(self, length: int) -> None:
        self._accepted += length
        if self._accepted > self.limit:
            raise FileTooLarge(
                f"'{self.filename}' is larger than the upload limit of {self.limit} bytes.", field="file"
            )

    def write(self, data: bytes) -> None:
        if self._file is None:
            self._file = open(self.path, "wb")  # noqa: SIM115 - closed by finish() or discard()
        self._file.write(data)  # type: ignore[attr-defined]
        self._hash.update(data)
        self.size += len(data)

    def finish(self) -> None:
        """Flushes the contents to disk (a crash after the rename must not leave a torn blob)."""
        if self._file is None:
            self._file = open(self.path, "wb")  # noqa: SIM115 - an empty file
        self._file.flush()  # type: ignore[attr-defined]
        os.fsync(self._file.fileno())  # type: ignore[attr-defined]
        self._file.close()  # type: ignore[attr-defined]
        self.sha256 = self._hash.hexdigest()

    @property
    def finished(self) -> bool:
        return self.sha256 is not None

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()  # type: ignore[attr-defined]
        self.path.unlink(missing_ok=True)


class ContentStore:
    """The content-addressed folder on local disk (the embedded default storage)."""

    def __init__(self, root: Path, *, max_upload_bytes: int) -> None:
        self.root = Path(root)
        self.max_upload_bytes = max_upload_bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> "ContentStore":
        return cls(settings.files_dir, max_upload_bytes=settings.max_upload_bytes)

    def path_of(self, sha256: str) -> Path:
        if not is_sha256(sha256):
            raise ValueError(f"not a SHA-256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def receive(self, filename: str, content_type: str | None) -> IncomingContent:
        """A temporary file for an upload; nothing is written until the first chunk arrives."""
        incoming = self.root / INCOMING
        incoming.mkdir(parents=True, exist_ok=True)
        path = incoming / f"{secrets.token_hex(16)}.part"
        return IncomingContent(path=path, limit=self.max_upload_bytes, filename=filename, content_type=content_type)

    def has(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def place(self, content: IncomingContent) -> None:
        """Moves a finished upload to its address; a blob already there (same bytes) is kept as it is.
        Callers hold the blob's lock (see domain.files.service), so a concurrent removal cannot interleave."""
        if not content.finished:
            raise RuntimeError("place() before finish()")
        target = self.path_of(content.sha256)  # type: ignore[arg-type]
        if target.is_file():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(content.path, target)
        _sync_directory(target.parent)

    def set_aside(self, sha256: str) -> Path | None:
        """Step one of removing a blob inside a transaction: moved to trash/, so `restore` can undo it
        if the transaction fails, and `purge` deletes it once the transaction committed."""
        source = self.path_of(sha256)
        trash = self.root / TRASH
        trash.mkdir(parents=True, exist_ok=True)
        target = trash / f"{sha256}.{secrets.token_hex(8)}"
        try:
            os.replace(source, target)
        except FileNotFoundError:
            return None
        return target

    def restore(self, sha256: str, aside: Path) -> None:
        target = self.path_of(sha256)
        if not target.exists():
            os.replace(aside, target)
        else:
            aside.unlink(missing_ok=True)

    @staticmethod
    def purge(aside: Path) -> None:
        aside.unlink(missing_ok=True)

    def sweep(self, *, older_than_seconds: float = 24 * 3600) -> int:
        """Deletes upload leftovers of crashed processes (incoming/ and trash/ files older than the age given)."""
        cutoff = time.time() - older_than_seconds
        removed = 0
        for folder in (self.root / INCOMING, self.root / TRASH):
            if not folder.is_dir():
                continue
            for entry in folder.iterdir():
                try:
                    if entry.is_file() and entry.stat().st_mtime < cutoff:
                        entry.unlink()
                        removed += 1
                except FileNotFoundError:
                    continue
        return removed

    def leftovers(self) -> list[Path]:
        """Files in incoming/ and trash/ right now (tests: an upload that failed left nothing behind)."""
        return [p for folder in (INCOMING, TRASH) if (self.root / folder).is_dir() for p in (self.root / folder).iterdir()]

    def blobs(self) -> list[str]:
        """The SHA-256 of every stored blob."""
        return sorted(p.name for p in self.root.glob("??/??/*") if p.is_file() and is_sha256(p.name))


def _sync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
