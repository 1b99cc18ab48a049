"""Putting a file's bytes into a folder: one PUT for a small file, our own upload-session loop for a large one.

Not msgraph-core's LargeFileUploadTask (reference/graph-notes.md: it breaks on open-ended
nextExpectedRanges, re-sends chunks, swallows errors and sends Authorization to the upload URL).
Memory stays at one fragment whatever the file's size: fragments are read from disk one at a time.
"""
import asyncio
import os
from typing import Any
from urllib.parse import quote

import httpx

from domain.sharepoint.errors import SharePointError, retry_after_seconds
from integrations.sharepoint.graph import MAX_WAIT, GraphSession
from integrations.sharepoint.quick_xor_hash import quick_xor_hash_of_file

CHUNK_UNIT = 320 * 1024
PIECE = 64 * 1024
# Failures in a row (dropped connections, throttling, expired sessions) before the job is handed back.
MAX_FAILURES = 8


class NameTaken(SharePointError):
    def __init__(self, name: str) -> None:
        super().__init__(f"{name!r} already exists in the folder", status=409, code="nameAlreadyExists")


def _failure(response: httpx.Response) -> SharePointError:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    return SharePointError.from_status(response.status_code, error.get("code"), error.get("message") or "",
                                       retry_after=retry_after_seconds(response.headers.get("Retry-After")))


def _next_offset(body: dict[str, Any]) -> int:
    """The start of the first range still expected: ranges are open-ended ("26-") or closed ("26-49")."""
    ranges = body.get("nextExpectedRanges") or []
    if not ranges:
        raise SharePointError("upload session status without nextExpectedRanges", transient=True)
    return int(str(ranges[0]).split("-", 1)[0])


async def _pieces(source, offset: int, length: int):
    """A fragment read from disk in small pieces as it is sent: httpx keeps requests alive in reference
    cycles until the garbage collector runs, so a fragment passed as one bytes object lingers in memory."""
    source.seek(offset)
    while length > 0:
        piece = source.read(min(PIECE, length))
        if not piece:
            raise SharePointError("the local file is shorter than its recorded size", code="localFileChanged")
        length -= len(piece)
        yield piece


class LocalContents:
    """The local file a transfer sends, to recognise an earlier run's upload of it by its contents: same size
    and the same QuickXorHash as the one Graph gives (`file.hashes.quickXorHash`), so another file that merely
    has the name and size is not taken for ours. The hash is computed once, only when an item is compared."""

    def __init__(self, path: str | os.PathLike, size: int) -> None:
        self.path, self.size = path, size
        self._hash: str | None = None

    async def quick_xor_hash(self) -> str:
        if self._hash is None:
            self._hash = await asyncio.to_thread(quick_xor_hash_of_file, self.path)
        return self._hash

    async def matches(self, item: Any) -> bool:
        """Whether a driveItem holds these contents. Without a hash from Graph (not seen in SharePoint
        Online), the size has to do."""
        if item is None or item.file is None or item.size != self.size:
            return False
        hashes = item.file.hashes
        remote = hashes.quick_xor_hash if hashes is not None else None
        return remote is None or remote == await self.quick_xor_hash()


class Uploader:
    """Uploads one local file as `name` into a folder, raising NameTaken on a clash (conflictBehavior fail)."""

    def __init__(self, graph: GraphSession, drive_id: str, parent_id: str, name: str, path: str | os.PathLike,
                 size: int, *, contents: LocalContents | None = None) -> None:
        self.graph, self.drive_id, self.parent_id, self.name = graph, drive_id, parent_id, name
        self.path, self.size = path, size
        self.contents = contents or LocalContents(path, size)
        self.failures = 0
        # Set when a request may have reached Graph without our hearing the answer: a later clash or a
        # vanished session may then be our own upload having completed.
        self.uncertain = False

    @property
    def _item_url(self) -> str:
        base = self.graph.connection.graph_url
        return f"{base}/drives/{self.drive_id}/items/{self.parent_id}:/{quote(self.name, safe='')}:"

    async def run(self) -> dict[str, Any]:
        if self.size <= self.graph.connection.chunk_bytes:
            return await self._simple()
        return await self._session()

    async def _pause(self, failure: SharePointError) -> None:
        """After a transient failure: wait as Graph asks (Retry-After) or back off; give up after too many."""
        self.failures += 1
        if not failure.transient or self.failures > MAX_FAILURES:
            raise failure
        wait = failure.retry_after if failure.retry_after is not None else min(30.0, 0.5 * 2 ** (self.failures - 1))
        if wait > MAX_WAIT:
            raise failure
        await self.graph.sleep(wait)

    async def _own_upload(self) -> dict[str, Any] | None:
        """After an unanswered request: our file may be in place already (same name, same contents)."""
        item = await self.graph.child(self.drive_id, self.parent_id, self.name)
        if await self.contents.matches(item):
            return {"id": item.id, "name": item.name, "webUrl": item.web_url, "size": item.size}
        return None

    async def _clash(self) -> dict[str, Any]:
        if self.uncertain and (own := await self._own_upload()) is not None:
            return own
        raise NameTaken(self.name)

    async def _simple(self) -> dict[str, Any]:
        while True:
            with open(self.path, "rb") as source:
                content = source.read()
            headers = {"Authorization": f"Bearer {await self.graph.token()}", "Content-Type": "application/octet-stream"}
            try:
                response = await self.graph.http.put(
                    self._item_url + "/content", params={"@microsoft.graph.conflictBehavior": "fail"},
                    content=content, headers=headers)
            except httpx.TransportError as error:
                self.uncertain = True
                await self._pause(SharePointError(f"upload interrupted: {error!r}", transient=True))
                continue
            if response.status_code in (200, 201):
                return response.json()
            if response.status_code == 409:
                return await self._clash()
            await self._pause(_failure(response))

    async def _create_session(self) -> str:
        body = {"item": {"@microsoft.graph.conflictBehavior": "fail", "name": self.name}}
        while True:
            headers = {"Authorization": f"Bearer {await self.graph.token()}"}
            try:
                response = await self.graph.http.post(self._item_url + "/createUploadSession", json=body,
                                                      headers=headers)
            except httpx.TransportError as error:
                await self._pause(SharePointError(f"createUploadSession interrupted: {error!r}", transient=True))
                continue
            if response.status_code == 200:
                return response.json()["uploadUrl"]
            if response.status_code == 409:
                raise NameTaken(self.name)
            await self._pause(_failure(response))

    async def _status(self, upload_url: str) -> int | None:
        """Where to resume: the session's first expected byte; None when the session is gone (expired, or
        completed by a fragment whose answer we lost)."""
        while True:
            try:
                # No Authorization: upload URLs carry their own credentials.
                response = await self.graph.http.get(upload_url)
            except httpx.TransportError as error:
                await self._pause(SharePointError(f"upload status unreachable: {error!r}", transient=True))
                continue
            if response.status_code == 200:
                return _next_offset(response.json())
            if response.status_code == 404:
                return None
            await self._pause(_failure(response))

    async def _session(self) -> dict[str, Any]:
        chunk = self.graph.connection.chunk_bytes
        upload_url = await self._create_session()
        offset = 0
        with open(self.path, "rb") as source:
            while True:
                length = min(chunk, self.size - offset)
                headers = {"Content-Range": f"bytes {offset}-{offset + length - 1}/{self.size}",
                           "Content-Length": str(length)}
                try:
                    response = await self.graph.http.put(upload_url, content=_pieces(source, offset, length),
                                                         headers=headers)
                except httpx.TransportError as error:
                    self.uncertain = self.uncertain or offset + length == self.size
                    await self._pause(SharePointError(f"fragment interrupted: {error!r}", transient=True))
                    response = None
                if response is not None and response.status_code in (200, 201):
                    return response.json()
                if response is not None and response.status_code == 202:
                    offset, self.failures = _next_offset(response.json()), 0
                    continue
                if response is not None and response.status_code == 409:
                    return await self._clash()
                if response is not None and response.status_code not in (404, 416):
                    await self._pause(_failure(response))
                # A dropped connection, a range Graph already has (416), throttling: ask the session where to go on.
                resume = await self._status(upload_url)
                if resume is None:
                    # Expired (or finished by a fragment whose answer was lost): maybe it is ours already.
                    if self.uncertain and (own := await self._own_upload()) is not None:
                        return own
                    await self._pause(SharePointError("upload session expired", transient=True))
                    upload_url, offset = await self._create_session(), 0
                else:
                    offset = resume
