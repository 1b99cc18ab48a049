"""GET /files/{id}/content: a file's contents, streamed from the content store to whoever may read the file.

Access is exactly the file's (domain.access.policy: as its customer, project, activity or task); a file the caller
may not read answers 404 like a missing one. The response is streamed in chunks (Range requests work too),
with the stored content type and size, and a Content-Disposition that is safe for any name.
"""
import asyncio
import logging
import os
import re
import stat
import unicodedata
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from domain.files.content_store import ContentStore
from domain.platform.db import Database
from domain.files.rules import sharepoint_url
from domain.files.service import file_to_download, sweep_storage
from gql.http.sign_in import not_found, signed_in_node

log = logging.getLogger("partnergraph.files")

_NOT_ASCII_SAFE = re.compile(r"[^A-Za-z0-9 ._()+-]")


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback name and the exact name in RFC 5987 form: no quotes, backslashes,
    control characters or line breaks can reach the header, whatever the file is called."""
    cleaned = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    fallback = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode()
    fallback = _NOT_ASCII_SAFE.sub("_", fallback).strip(" .") or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned or fallback, safe='')}"


def file_content_endpoint(db: Database, store: ContentStore) -> Callable[[Request], Awaitable[Response]]:

    async def file_content(request: Request) -> Response:
        found = await signed_in_node(db, request, param="file_id", type_name="File", thing="file",
                                     doing="downloading a file")
        if isinstance(found, Response):
            return found
        file = await file_to_download(db, *found)
        if file is None:
            return not_found("file")
        if web_url := sharepoint_url(file):
            return RedirectResponse(web_url, status_code=302)
        path = store.path_of(file.sha256)
        try:
            stat_result = await asyncio.to_thread(os.stat, path)
        except FileNotFoundError:
            stat_result = None
        if stat_result is None or not stat.S_ISREG(stat_result.st_mode):
            log.error("file %s: contents %s missing from %s", file.id, file.sha256, store.root)
            return JSONResponse(
                {"errors": [{"message": "The file's contents are missing.", "extensions": {"code": "CONTENTS_MISSING"}}]},
                status_code=500,
            )
        headers = {
            "content-type": file.content_type,
            "content-disposition": content_disposition(file.name),
            "etag": f'"{file.sha256}"',
            # Never rendered as a page of this origin, whatever its type claims; cached only by the caller.
            "x-content-type-options": "nosniff",
            "content-security-policy": "default-src 'none'; sandbox",
            "cache-control": "private, no-cache",
        }
        return FileResponse(path, headers=headers, stat_result=stat_result)

    return file_content


async def sweep_file_storage(db: Database, store: ContentStore) -> None:
    """At start-up: what crashed processes left in the content store is tidied (never fatal)."""
    try:
        removed = await sweep_storage(db, store)
    except Exception:
        log.exception("could not sweep the file store %s", store.root)
        return
    if removed:
        log.info("removed %d leftover upload file(s) from %s", removed, store.root)
