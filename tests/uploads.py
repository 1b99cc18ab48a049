"""Multipart requests for the file tests, built as the GraphQL multipart request spec describes them."""
import json
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import httpx
import pytest

from domain.files.content_store import ContentStore
from domain.platform.settings import Settings
from partnergraph.composition import create_app

PREFLIGHT = {"GraphQL-Preflight": "1"}

UPLOAD = """
mutation Upload($input: FileUploadInput!) {
  fileUpload(input: $input) {
    file { id name size contentType sha256 tags url entityId effectiveStorageLocation uploadedBy { id } }
    userErrors { field message code }
  }
}
"""


def multipart_head(operations: dict[str, Any], files_map: dict[str, list[str]], boundary: str) -> bytes:
    def part(name: str, value: str) -> bytes:
        return (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").encode()

    return part("operations", json.dumps(operations)) + part("map", json.dumps(files_map))


def file_part_head(boundary: str, name: str, filename: str, content_type: str | None) -> bytes:
    head = f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return (head + "\r\n").encode()


def multipart_body(
    operations: dict[str, Any], files: dict[str, tuple[str, bytes | Iterable[bytes], str | None]],
    files_map: dict[str, list[str]], boundary: str | None = None,
) -> tuple[Iterator[bytes], str]:
    """The body as chunks (contents may be an iterable of chunks, never joined) and its Content-Type."""
    boundary = boundary or uuid.uuid4().hex

    def chunks() -> Iterator[bytes]:
        yield multipart_head(operations, files_map, boundary)
        for name, (filename, contents, content_type) in files.items():
            yield file_part_head(boundary, name, filename, content_type)
            if isinstance(contents, bytes):
                yield contents
            else:
                yield from contents
            yield b"\r\n"
        yield f"--{boundary}--\r\n".encode()

    return chunks(), f"multipart/form-data; boundary={boundary}"


async def as_async(chunks: Iterable[bytes], read: list[int] | None = None) -> AsyncIterator[bytes]:
    """An async body; `read` counts the bytes the server actually asked for."""
    for chunk in chunks:
        if read is not None:
            read[0] += len(chunk)
        yield chunk


async def upload(
    client: httpx.AsyncClient, token: str | None, entity_id: str, contents: bytes = b"%PDF-1.7 hello",
    *, filename: str = "offer.pdf", content_type: str | None = "application/pdf", tags: list[str] | None = None,
    name: str | None = None, headers: dict[str, str] | None = None, query: str = UPLOAD,
) -> httpx.Response:
    """One fileUpload through a multipart request with the preflight header."""
    variables: dict[str, Any] = {"input": {"entityId": entity_id, "file": None, "tags": tags or []}}
    if name is not None:
        variables["input"]["name"] = name
    body, content_type_header = multipart_body(
        {"query": query, "variables": variables}, {"0": (filename, contents, content_type)},
        {"0": ["variables.input.file"]},
    )
    request_headers = {**PREFLIGHT, "Content-Type": content_type_header, **(headers or {})}
    if token:
        request_headers["Authorization"] = f"Bearer {token}"
    return await client.post("/graphql", content=b"".join(body), headers=request_headers)


def uploaded(response: httpx.Response) -> dict[str, Any]:
    """The fileUpload payload of a successful upload request."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["fileUpload"]


# --- fixtures (imported by the file test modules) ---------------------------

SMALL_LIMIT = 64 * 1024


@pytest.fixture
def file_settings(db, tmp_path) -> Settings:
    """The test database's settings with a content store of this test's own and a 64 KiB upload limit."""
    return db.settings.model_copy(update={"files_dir": tmp_path / "files", "max_upload_bytes": SMALL_LIMIT})


@pytest.fixture
def store(file_settings) -> ContentStore:
    return ContentStore.from_settings(file_settings)


@pytest.fixture
async def file_client(db, file_settings):
    app = create_app(file_settings, db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client
