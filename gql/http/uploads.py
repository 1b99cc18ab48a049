"""GraphQL multipart requests (the GraphQL multipart request spec), streamed straight to the content store.

Strawberry's own multipart support goes through Starlette's form parser, which spools every file to a
temporary file in the system folder with no size limit and only then hands it over. Here the body is
parsed as it arrives (python-multipart's push parser): each file part is hashed and written to a
temporary file inside the content store's folder, and the size limit is checked before a chunk is
kept, so an oversized file is refused at once, before the rest of the body is read, and deleted.

The `operations` and `map` parts must come first (as the spec says). Each file ends up in the
operation's variables as a received `IncomingContent`, which the `Upload` scalar accepts (and nothing
else: an `Upload` variable in a JSON request is refused). Whatever a request received and did not keep
(a refused mutation, a GraphQL error) is deleted when the request ends.

Multipart is also the one request a browser will send cross-site without a CORS preflight, so it
must carry a preflight header (`GraphQL-Preflight` or `Apollo-Require-Preflight`): a plain HTML form
cannot set one.
"""
import asyncio
import json
from typing import Any

from cross_web import HTTPException, StarletteRequestAdapter
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from domain.files.content_store import ContentStore, IncomingContent
from domain.platform.errors import FileTooLarge
from gql.http.sign_in import sign_in_required

PREFLIGHT_HEADERS = ("graphql-preflight", "apollo-require-preflight")
# The JSON parts (`operations`, `map`) are small; a bigger one is not a GraphQL request.
MAX_JSON_PART = 1024 * 1024
MAX_FILES = 20
MAX_HEADER_BYTES = 16 * 1024


def request_error(status: int, code: str, message: str, **extensions: Any) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}, status_code=status)


class UploadRefused(Exception):
    """A multipart request refused while its body was being read; answered with `response`.

    The answer closes the connection: the rest of the body is never read (a server such as uvicorn would
    otherwise go on receiving and discarding it to keep the connection alive, however large it is)."""

    def __init__(self, response: JSONResponse) -> None:
        super().__init__()
        response.headers["connection"] = "close"
        self.response = response


def is_multipart(headers: Headers) -> bool:
    return headers.get("content-type", "").split(";")[0].strip().lower() == "multipart/form-data"


class _Part:
    def __init__(self) -> None:
        self.headers: dict[bytes, bytes] = {}
        self.header_name = b""
        self.header_value = b""
        self.header_bytes = 0
        self.name = ""
        self.content: IncomingContent | None = None
        self.text = bytearray()


class MultipartReader:
    """Reads one multipart body: the JSON parts into memory (bounded), each file into the content store."""

    def __init__(self, store: ContentStore, boundary: bytes, received: list[IncomingContent]) -> None:
        self.store = store
        self.received = received  # every file started, so the request can delete what it did not keep
        self.fields: dict[str, bytes] = {}
        self.files: dict[str, IncomingContent] = {}
        self.files_map: dict[str, list[str]] | None = None
        self.part = _Part()
        self.pending: list[tuple[IncomingContent, bytes]] = []
        self.finished: list[IncomingContent] = []
        self.parser = MultipartParser(boundary, {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        })

    # Parser callbacks: synchronous and cheap; the disk work happens in `flush`, in a worker thread.

    def _part_begin(self) -> None:
        self.part = _Part()

    def _count_header(self, length: int) -> None:
        self.part.header_bytes += length
        if self.part.header_bytes > MAX_HEADER_BYTES:
            raise _bad_request("A part's headers are too long.")

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self.part.header_name += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._count_header(end - start)
        self.part.header_value += data[start:end]

    def _header_end(self) -> None:
        self.part.headers[self.part.header_name.strip().lower()] = self.part.header_value.strip()
        self.part.header_name, self.part.header_value = b"", b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        if b"name" not in options:
            raise _bad_request("Each part needs a Content-Disposition header with a name.")
        name = options[b"name"].decode("utf-8", "replace")
        self.part.name = name
        if name in ("operations", "map"):
            if name in self.fields or self.files:
                raise _bad_request("`operations` and `map` come once each, before the files.")
            return
        if self.files_map is None:
            raise _bad_request("The `operations` and `map` parts must come before the files.")
        if name not in self.files_map or name in self.files:
            raise _bad_request(f"The file part '{name}' is not in `map` (or comes twice).")
        if len(self.files) >= MAX_FILES:
            raise _bad_request(f"At most {MAX_FILES} files per request.")
        filename = options.get(b"filename", b"").decode("utf-8", "replace")
        content_type = self.part.headers.get(b"content-type", b"").decode("latin-1") or None
        content = self.store.receive(filename, content_type)
        self.received.append(content)
        self.files[name] = content
        self.part.content = content

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        content = self.part.content
        if content is None:
            if len(self.part.text) + end - start > MAX_JSON_PART:
                raise UploadRefused(request_error(
                    413, "PAYLOAD_TOO_LARGE", f"The `{self.part.name}` part is larger than {MAX_JSON_PART} bytes."
                ))
            self.part.text += data[start:end]
            return
        content.accept(end - start)  # FileTooLarge before the chunk is kept
        self.pending.append((content, data[start:end]))

    def _part_end(self) -> None:
        if self.part.content is not None:
            self.finished.append(self.part.content)
            return
        self.fields[self.part.name] = bytes(self.part.text)
        if self.part.name == "map":
            self.files_map = _files_map(self.fields["map"])

    async def feed(self, chunk: bytes) -> None:
        self.parser.write(chunk)
        await self.flush()

    async def flush(self) -> None:
        if self.pending or self.finished:
            pending, finished = self.pending, self.finished
            self.pending, self.finished = [], []
            await asyncio.to_thread(_write, pending, finished)

    async def close(self) -> None:
        self.parser.finalize()
        await self.flush()
        if "operations" not in self.fields or self.files_map is None:
            raise _bad_request("A multipart GraphQL request needs the `operations` and `map` parts.")
        missing = sorted(set(self.files_map) - set(self.files))
        if missing:
            raise _bad_request(f"The map names files that were not sent: {', '.join(missing)}.")

    def operations(self) -> Any:
        try:
            operations = json.loads(self.fields["operations"])
        except (ValueError, UnicodeDecodeError):
            raise _bad_request("`operations` is not JSON.") from None
        for key, paths in (self.files_map or {}).items():
            for path in paths:
                _put(operations, path, self.files[key])
        return operations


def _write(pending: list[tuple[IncomingContent, bytes]], finished: list[IncomingContent]) -> None:
    for content, data in pending:
        content.write(data)
    for content in finished:
        content.finish()


def _bad_request(message: str) -> UploadRefused:
    return UploadRefused(request_error(400, "BAD_MULTIPART_REQUEST", message))


def _files_map(raw: bytes) -> dict[str, list[str]]:
    try:
        files_map = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise _bad_request("`map` is not JSON.") from None
    if not isinstance(files_map, dict) or not all(
        isinstance(paths, list) and paths and all(isinstance(p, str) for p in paths) for paths in files_map.values()
    ):
        raise _bad_request("`map` maps each file part's name to a list of paths in `operations`.")
    if len(files_map) > MAX_FILES:
        raise _bad_request(f"At most {MAX_FILES} files per request.")
    return files_map


def _put(operations: Any, path: str, value: IncomingContent) -> None:
    """Replaces the null at `path` ("variables.input.file", "0.variables.files.1") with the file."""
    *parents, last = path.split(".")
    target = operations
    try:
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            index = int(last)
            if target[index] is not None:
                raise ValueError
            target[index] = value
        elif isinstance(target, dict) and target.get(last, ...) is None:
            target[last] = value
        else:
            raise ValueError
    except (KeyError, IndexError, ValueError, TypeError):
        raise _bad_request(f"The map path '{path}' names no null in `operations`.") from None


class UploadRequestAdapter(StarletteRequestAdapter):
    @property
    def request(self) -> Request:
        return self._request


class MultipartUploads:
    """Mixed into the GraphQL view before strawberry's GraphQL class: multipart requests checked, parsed
    as they stream in, and whatever they received but did not keep deleted at the end."""

    request_adapter_class = UploadRequestAdapter
    settings: Any  # the view's Settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_multipart(Headers(scope=scope)):
            await super().__call__(scope, receive, send)  # type: ignore[misc]
            return
        headers = Headers(scope=scope)
        viewer = scope.get("state", {}).get("viewer")
        if not any(headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
            await UploadRefused(request_error(
                400, "PREFLIGHT_REQUIRED",
                "Multipart requests must carry a `GraphQL-Preflight: 1` (or `Apollo-Require-Preflight`) header, "
                "so a cross-site form cannot send them.",
            )).response(scope, receive, send)
            return
        if viewer is not None and not viewer.authenticated:
            # Nobody anonymous may upload: refused before a byte of the body is stored.
            await UploadRefused(sign_in_required("uploading a file")).response(scope, receive, send)
            return
        received: list[IncomingContent] = []
        scope.setdefault("state", {})["received_uploads"] = received
        try:
            await super().__call__(scope, receive, send)  # type: ignore[misc]
        except UploadRefused as refusal:
            await refusal.response(scope, receive, send)
        finally:
            if received:
                await asyncio.to_thread(lambda: [content.discard() for content in received])

    async def parse_multipart(self, request: UploadRequestAdapter) -> Any:
        starlette_request = request.request
        _, options = parse_options_header(starlette_request.headers.get("content-type"))
        boundary = options.get(b"boundary")
        if not boundary:
            raise HTTPException(400, "Missing boundary in multipart.")
        received: list[IncomingContent] = starlette_request.scope["state"]["received_uploads"]
        try:
            reader = MultipartReader(self.files, boundary, received)
            async for chunk in starlette_request.stream():
                await reader.feed(chunk)
            await reader.close()
        except FileTooLarge as error:
            raise UploadRefused(request_error(
                413, error.code, error.message, field=error.field, limit=self.settings.max_upload_bytes
            )) from None
        except FormParserError as error:
            raise _bad_request(f"The multipart body is malformed: {error}") from None
        return reader.operations()
