"""A small Microsoft Graph for tests: the calls the SharePoint integration makes, answered as Microsoft documents
them, on a real socket of 127.0.0.1, with failures injected on demand.

Standard-library HTTP server (one thread per request) rather than an ASGI app: a dropped connection
mid-chunk needs the raw socket, which ASGI does not give.
"""
import datetime as dt
import ipaddress
import json
import os
import re
import shutil
import socket
import ssl
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from tests.graph_emulator.state import FAULT_KINDS, ContentType, Fault, GraphState, Hold, Item, UploadSession

CHUNK_UNIT = 320 * 1024
MAX_FRAGMENT = 60 * 1024 * 1024
_PIECE = 64 * 1024
FAULTS_PATH = "/_emulator/faults"
# Columns every document library has besides its own (a few of SharePoint's built-in ones, by internal name).
BUILT_IN_COLUMNS = ("ContentType", "Title", "FileLeafRef", "Created", "Modified", "Author", "Editor", "DocIcon")


class GraphError(Exception):
    def __init__(self, status: int, code: str, message: str = "", headers: dict[str, str] | None = None) -> None:
        super().__init__(message or code)
        self.status, self.code, self.message, self.headers = status, code, message or code, headers or {}


class Dropped(Exception):
    """The connection was closed on purpose (fault "drop")."""


@dataclass(frozen=True)
class RawFile:
    """A body sent as a file's bytes, streamed from disk (a download), not as JSON."""

    path: str


def _not_found(what: str) -> GraphError:
    return GraphError(404, "itemNotFound", f"{what} not found")


class GraphEmulator:
    """Start with `with GraphEmulator() as graph:`; `graph.base_url` is what the client uses as its Graph base URL."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, tls: ssl.SSLContext | None = None) -> None:
        """`tls`: a server context with a certificate for `host`, to be served over HTTPS."""
        self.state = GraphState()
        emulator = self

        class Handler(_Handler):
            graph = emulator

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._scheme = "https" if tls is not None else "http"
        self._thread: threading.Thread | None = None

    @property
    def origin(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.origin + "/v1.0"

    def inject(self, op: str, kind: str, *, times: int = 1, retry_after: int | None = 1, at_byte: int | None = None,
               after: int = 0) -> None:
        """The next `times` requests of operation `op` (after `after` untouched ones) fail as `kind` says."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}, not {kind!r}")
        with self.state.lock:
            self.state.faults.append(Fault(op, kind, times, retry_after, at_byte, after))

    def hold(self, op: str, *, after: int = 0, carry_out: bool = False) -> Hold:
        """Holds the next request of `op` (after `after` let through) open until `release()`d, then closes its
        connection unanswered: carried out first with `carry_out`, else not at all. Wait on `.reached`."""
        hold = Hold(op, after, carry_out)
        with self.state.lock:
            self.state.holds.append(hold)
        return hold

    def faults(self) -> list[Fault]:
        """The injected faults still to happen."""
        with self.state.lock:
            return [f for f in self.state.faults if f.times > 0]

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()

    def calls(self, op: str | None = None) -> list[tuple[str, str, dict[str, str]]]:
        with self.state.lock:
            return [c for c in self.state.requests if op is None or c[0] == op]

    def start(self) -> "GraphEmulator":
        self._thread = threading.Thread(target=self._server.serve_forever, name="graph-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        for hold in self.state.holds:
            hold.released.set()
        self._server.shutdown()
        self._server.server_close()
        self.state.close()

    def __enter__(self) -> "GraphEmulator":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY each answer waits for a delayed ACK.
    disable_nagle_algorithm = True
    graph: GraphEmulator

    def log_message(self, format, *args):  # noqa: A002 - quiet unless something is wrong
        pass

    def do_GET(self):
        self._handle()

    def do_POST(self):
        self._handle()

    def do_PUT(self):
        self._handle()

    def do_PATCH(self):
        self._handle()

    def do_DELETE(self):
        self._handle()

    # --- plumbing -------------------------------------------------------------
    def _handle(self) -> None:
        self._body_read = False
        url = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        path = unquote(url.path)
        state = self.graph.state
        if path == FAULTS_PATH:
            self._faults_admin()
            return
        try:
            if path.startswith("/upload/"):
                op, handler, args = self._route_upload(path)
            elif path.startswith("/download/") and self.command == "GET":
                # A pre-authenticated download URL (where GET .../content redirects): no Authorization needed.
                op, handler, args = "download", self._download, (path[len("/download/"):],)
            elif re.fullmatch(r"/[^/]+/oauth2/v2\.0/token", path):
                op, handler, args = "token", self._token, ()
            elif path.startswith("/v1.0/"):
                if not self.headers.get("Authorization", "").startswith("Bearer "):
                    raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
                op, handler, args = self._route(path[len("/v1.0"):])
            else:
                raise GraphError(400, "BadRequest", "Invalid version")
            with state.lock:
                state.requests.append((op, self.command + " " + self.path, dict(self.headers)))
            mute = self._fault(op)
            hold = self._hold(op)
            if hold is not None and not hold.carry_out:
                self._held(hold)
            status, body, headers = handler(*args)
            if hold is not None:
                self._held(hold)
            if mute:
                # Done, but the answer is lost on the way: the client cannot know the request succeeded.
                self.connection.shutdown(socket.SHUT_RDWR)
                raise Dropped()
        except Dropped:
            self.close_connection = True
            return
        except GraphError as error:
            self._skip_body()
            status, body, headers = error.status, {"error": {"code": error.code, "message": error.message}}, error.headers
        self._send(status, body, headers)

    # --- the fault switches over HTTP (loopback clients only) ---------------------
    def _faults_admin(self) -> None:
        """POST /_emulator/faults {op, kind, times?, retryAfter?, atByte?, after?} injects a fault as inject() does;
        GET lists those still to happen; DELETE clears them. Not part of Graph: never recorded, never faulted."""
        try:
            if not is_loopback(self.client_address[0]):
                raise GraphError(403, "accessDenied", "The fault switches answer only to loopback clients.")
            if self.command == "POST":
                fault = _fault_from_json(self._json())
                self.graph.inject(fault.op, fault.kind, times=fault.times, retry_after=fault.retry_after,
                                  at_byte=fault.at_byte, after=fault.after)
                status, body = 201, _fault_json(fault)
            elif self.command == "GET":
                status, body = 200, {"value": [_fault_json(f) for f in self.graph.faults()]}
            elif self.command == "DELETE":
                self.graph.clear_faults()
                status, body = 204, None
            else:
                raise GraphError(405, "invalidRequest", "Use GET, POST or DELETE.")
        except GraphError as error:
            self._skip_body()
            status, body = error.status, {"error": {"code": error.code, "message": error.message}}
        self._send(status, body)

    def _fault(self, op: str) -> bool:
        """Applies the first injected fault for this operation; True when the answer must be lost."""
        state = self.graph.state
        with state.lock:
            fault = next((f for f in state.faults if f.op in (op, "*") and f.times > 0), None)
            if fault is None:
                return False
            if fault.after > 0:
                fault.after -= 1
                return False
            fault.times -= 1
            if fault.kind == "expire":
                for session in state.sessions.values():
                    session.expired = True
                return False
            if fault.kind == "mute":
                return True
        if fault.kind == "drop":
            length = int(self.headers.get("Content-Length") or 0)
            keep = fault.at_byte if fault.at_byte is not None else length // 2
            if op == "chunk":
                self._partial_chunk(keep)
            else:
                self.rfile.read(min(keep, length))
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            raise Dropped()
        headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
        if fault.kind == "throttle":
            raise GraphError(429, "activityLimitReached", "The request has been throttled", headers)
        raise GraphError(503, "serviceNotAvailable", "Service unavailable", headers)

    def _hold(self, op: str) -> Hold | None:
        state = self.graph.state
        with state.lock:
            hold = next((h for h in state.holds if h.op == op and not h.used), None)
            if hold is None:
                return None
            if hold.after > 0:
                hold.after -= 1
                return None
            hold.used = True
            return hold

    def _held(self, hold: Hold) -> None:
        """Keeps the connection open, unanswered, until the test releases it; then closes it."""
        hold.reached.set()
        hold.released.wait(timeout=120)
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise Dropped()

    def _send(self, status: int, body, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, RawFile):
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(os.path.getsize(body.path)))
            self.end_headers()
            with open(body.path, "rb") as source:
                shutil.copyfileobj(source, self.wfile, _PIECE)
            return
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _json(self) -> dict:
        self._body_read = True
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw or b"{}")
        except ValueError:
            raise GraphError(400, "BadRequest", "Unable to read JSON request payload.")

    def _skip_body(self) -> None:
        if not self._body_read:
            self._body_read = True
            length = int(self.headers.get("Content-Length") or 0)
            while length > 0:
                length -= len(self.rfile.read(min(_PIECE, length)) or b"x" * length)

    def _copy_body(self, target: str, *, append: bool) -> int:
        self._body_read = True
        length = int(self.headers.get("Content-Length") or 0)
        written = 0
        with open(target, "ab" if append else "wb") as out:
            while written < length:
                piece = self.rfile.read(min(_PIECE, length - written))
                if not piece:
                    raise Dropped()
                out.write(piece)
                written += len(piece)
        return written

    # --- routing ------------------------------------------------------------
    def _route(self, path: str):
        state, method = self.graph.state, self.command
        by_path = re.fullmatch(r"/sites/([^/:,]+):(/[^:]*?)(?::(/.*)?)?", path)
        if by_path:
            site = state.site_by_path(by_path.group(1), by_path.group(2))
            if not by_path.group(3):
                return "site", self._site, (site.id,)
            path = f"/sites/{site.id}{by_path.group(3)}"
        m = re.fullmatch(r"/sites/([^/]+)(/.*)?", path)
        if m:
            site_id, rest = m.group(1), m.group(2) or ""
            if site_id not in state.sites:
                raise _not_found("site")
            routes = [
                ("GET", r"", "site", self._site),
                ("GET", r"/lists", "lists", self._lists),
                ("POST", r"/lists", "create_list", self._create_list),
                ("GET", r"/lists/([^/]+)", "list", self._list),
                ("GET", r"/lists/([^/]+)/drive", "drive", self._list_drive),
                ("GET", r"/lists/([^/]+)/columns", "list_columns", self._list_columns),
                ("GET", r"/lists/([^/]+)/contentTypes", "list_content_types", self._list_content_types),
                ("POST", r"/lists/([^/]+)/contentTypes/addCopy", "add_content_type_copy", self._add_copy),
                ("GET", r"/lists/([^/]+)/items/([^/]+)", "list_item_by_id", self._get_list_item),
                ("PATCH", r"/lists/([^/]+)/items/([^/]+)", "update_list_item", self._patch_list_item),
                ("GET", r"/lists/([^/]+)/items/([^/]+)/fields", "fields", self._get_fields),
                ("PATCH", r"/lists/([^/]+)/items/([^/]+)/fields", "update_fields", self._patch_fields),
                ("GET", r"/contentTypes", "site_content_types", self._site_content_types),
                ("POST", r"/contentTypes", "create_content_type", self._create_content_type),
                ("GET", r"/contentTypes/([^/]+)/columns", "content_type_columns", self._content_type_columns),
                ("POST", r"/contentTypes/([^/]+)/columns", "add_content_type_column", self._add_content_type_column),
                ("GET", r"/columns", "site_columns", self._site_columns),
                ("POST", r"/columns", "create_site_column", self._create_site_column),
            ]
            for verb, pattern, op, handler in routes:
                found = re.fullmatch(pattern, rest)
                if verb == method and found:
                    return op, handler, (site_id, *found.groups())
            raise GraphError(400, "BadRequest", f"{method} {path} is not emulated")
        m = re.fullmatch(r"/drives/([^/]+)/(root|items/[^/:]+)(?::(/[^:]*):)?(/.*)?", path)
        if m:
            drive_id, ref, relative, rest = m.group(1), m.group(2), m.group(3), m.group(4) or ""
            library = state.library_of_drive(drive_id)
            if library is None:
                raise _not_found("drive")
            base_id = library.root_id if ref in ("root", "items/root") else ref[len("items/"):]
            if base_id not in state.items or state.items[base_id].drive_id != drive_id:
                raise _not_found("item")
            parent_id, name = base_id, None
            if relative:
                *folders, name = [p for p in relative.split("/") if p]
                for folder in folders:
                    child = state.child_named(parent_id, folder)
                    if child is None:
                        raise _not_found("parent folder")
                    parent_id = child.id
            routes = [
                ("PUT", "/content", "simple_upload", self._simple_upload),
                ("POST", "/createUploadSession", "create_session", self._create_session),
            ]
            for verb, suffix, op, handler in routes:
                if method == verb and rest == suffix and name is not None:
                    return op, handler, (drive_id, parent_id, name)
            item_id = base_id
            if name is not None:
                # A name not in the folder is still a request of its operation (counted, faulted), answered 404.
                child = state.child_named(parent_id, name)
                item_id = child.id if child is not None else None
            routes = [
                ("GET", "", "item", self._item),
                ("PATCH", "", "patch_item", self._patch_item),
                ("DELETE", "", "delete_item", self._delete_item),
                ("GET", "/content", "content", self._content),
                ("GET", "/children", "children", self._children),
                ("POST", "/children", "create_folder", self._create_folder),
                ("GET", "/listItem", "list_item", self._list_item),
                ("PATCH", "/listItem", "update_list_item", self._patch_item_list_item),
                ("PATCH", "/listItem/fields", "update_fields", self._patch_item_fields),
                ("GET", "/delta", "delta", self._delta),
                ("GET", "/delta()", "delta", self._delta),  # msgraph-sdk's OData function form
            ]
            for verb, suffix, op, handler in routes:
                if method == verb and rest == suffix:
                    return op, handler if item_id is not None else self._missing_item, (drive_id, item_id)
        raise GraphError(400, "BadRequest", f"{method} {path} is not emulated")

    def _route_upload(self, path: str):
        session_id = path[len("/upload/"):]
        if self.headers.get("Authorization"):
            # Microsoft: sending Authorization to the upload URL "may result in an HTTP 401".
            raise GraphError(401, "unauthenticated", "Upload URLs are pre-authenticated; do not send Authorization.")
        ops = {"PUT": ("chunk", self._chunk), "GET": ("session_status", self._session_status),
               "DELETE": ("cancel_session", self._cancel_session)}
        if self.command not in ops:
            raise GraphError(405, "invalidRequest", "method not allowed")
        op, handler = ops[self.command]
        return op, handler, (session_id,)

    # --- sign-in (for running the emulator on its own) ------------------------
    def _token(self):
        self._skip_body()
        return 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": "emulator-token"}, {}

    # --- sites, content types, libraries ------------------------------------
    def _site_json(self, site_id: str) -> dict:
        site = self.graph.state.sites[site_id]
        return {"id": site.id, "webUrl": site.web_url, "name": site.path.rsplit("/", 1)[-1]}

    def _site(self, site_id: str):
        return 200, self._site_json(site_id), {}

    def _list_json(self, library) -> dict:
        site = self.graph.state.sites[library.site_id]
        return {"id": library.id, "displayName": library.display_name, "name": library.url_name,
                "webUrl": f"{site.web_url}/{library.url_name}", "list": {"template": "documentLibrary"}}

    def _lists(self, site_id: str):
        libraries = [lib for lib in self.graph.state.libraries.values() if lib.site_id == site_id]
        return 200, {"value": [self._list_json(lib) for lib in libraries]}, {}

    def _create_list(self, site_id: str):
        body = self._json()
        name = (body.get("displayName") or "").strip()
        if not name:
            raise GraphError(400, "invalidRequest", "displayName is required")
        state = self.graph.state
        with state.lock:
            if any(lib.site_id == site_id and lib.display_name.lower() == name.lower() for lib in state.libraries.values()):
                raise GraphError(409, "nameAlreadyExists", "A list with this name already exists.")
            columns = [c.get("name") for c in body.get("columns") or [] if c.get("name")]
            library = state.create_library(site_id, name, columns)
        return 201, self._list_json(library), {}

    def _library(self, site_id: str, list_id: str):
        library = self.graph.state.libraries.get(list_id)
        if library is None or library.site_id != site_id:
            raise _not_found("list")
        return library

    def _list(self, site_id: str, list_id: str):
        return 200, self._list_json(self._library(site_id, list_id)), {}

    def _list_drive(self, site_id: str, list_id: str):
        library = self._library(site_id, list_id)
        return 200, {"id": library.drive_id, "driveType": "documentLibrary", "name": library.display_name,
                     "webUrl": self._list_json(library)["webUrl"]}, {}

    def _ct_json(self, content_type: ContentType) -> dict:
        body = {"id": content_type.id, "name": content_type.name}
        if content_type.parent_id:
            body["parentId"] = content_type.parent_id
        return body

    def _site_content_types(self, site_id: str):
        types = [ct for ct in self.graph.state.content_types.values() if ct.site_id == site_id]
        return 200, {"value": [self._ct_json(ct) for ct in types]}, {}

    def _create_content_type(self, site_id: str):
        body = self._json()
        name = body.get("name")
        if not name or not (body.get("base") or {}).get("id"):
            raise GraphError(400, "invalidRequest", "name and base.id are required")
        state = self.graph.state
        with state.lock:
            if any(ct.site_id == site_id and ct.name == name for ct in state.content_types.values()):
                raise GraphError(409, "nameAlreadyExists", "A content type with that name already exists.")
            content_type = ContentType(f"{body['base']['id']}00{state.new_id()}", name, site_id)
            state.content_types[content_type.id] = content_type
        return 201, self._ct_json(content_type), {}

    def _content_type(self, site_id: str, ct_id: str) -> ContentType:
        content_type = self.graph.state.content_types.get(ct_id)
        if content_type is None or content_type.site_id != site_id:
            raise _not_found("content type")
        return content_type

    def _content_type_columns(self, site_id: str, ct_id: str):
        content_type = self._content_type(site_id, ct_id)
        return 200, {"value": [{"id": n, "name": n} for n in content_type.column_names]}, {}

    def _add_content_type_column(self, site_id: str, ct_id: str):
        body = self._json()
        content_type = self._content_type(site_id, ct_id)
        bind = body.get("sourceColumn@odata.bind") or ""
        column = bind.rstrip("/").rsplit("/", 1)[-1]
        with self.graph.state.lock:
            if column not in self.graph.state.site_columns.get(site_id, set()):
                raise GraphError(400, "invalidRequest", "sourceColumn@odata.bind must name a site column")
            if column in content_type.column_names:
                raise GraphError(409, "nameAlreadyExists", "The column is already in the content type.")
            content_type.column_names.append(column)
        return 201, {"id": column, "name": column}, {}

    def _site_columns(self, site_id: str):
        names = sorted(self.graph.state.site_columns.get(site_id, set()))
        return 200, {"value": [{"id": n, "name": n} for n in names]}, {}

    def _create_site_column(self, site_id: str):
        body = self._json()
        name = body.get("name")
        if not name or "text" not in body:
            raise GraphError(400, "invalidRequest", "name and a column type (text) are required")
        with self.graph.state.lock:
            columns = self.graph.state.site_columns.setdefault(site_id, set())
            if name in columns:
                raise GraphError(409, "nameAlreadyExists", "A column with that name already exists.")
            columns.add(name)
        return 201, {"id": name, "name": name, "text": {}}, {}

    def _list_content_types(self, site_id: str, list_id: str):
        library = self._library(site_id, list_id)
        return 200, {"value": [self._ct_json(ct) for ct in library.content_types]}, {}

    def _add_copy(self, site_id: str, list_id: str):
        """The list gets a copy of the site content type, with an id of its own (the one its items are set to)."""
        body = self._json()
        library = self._library(site_id, list_id)
        ct_id = (body.get("contentType") or "").rstrip("/").rsplit("/", 1)[-1]
        content_type = self._content_type(site_id, ct_id)
        with self.graph.state.lock:
            if any(ct.parent_id == ct_id for ct in library.content_types):
                raise GraphError(409, "nameAlreadyExists", "The content type is already on the list.")
            copy = content_type.copy_for_list()
            library.content_types.append(copy)
            library.columns.update(content_type.column_names)
        return 201, self._ct_json(copy), {}

    def _list_columns(self, site_id: str, list_id: str):
        library = self._library(site_id, list_id)
        names = [*BUILT_IN_COLUMNS, *sorted(library.columns)]
        return 200, {"value": [{"id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{list_id}/{n}")), "name": n,
                                "displayName": n} for n in names]}, {}

    def _list_item_json(self, library, item: Item, *, with_fields: bool) -> dict:
        content_type = library.content_type(item.content_type_id) or library.content_types[0]
        body = {"id": item.list_item_id, "parentReference": {"id": library.id, "siteId": library.site_id},
                "contentType": {"id": content_type.id, "name": content_type.name}}
        if with_fields:
            body["fields"] = {"FileLeafRef": item.name, **item.fields}
        return body

    def _get_list_item(self, site_id: str, list_id: str, list_item_id: str):
        item = self._list_item_by_id(site_id, list_id, list_item_id)
        return 200, self._list_item_json(self._library(site_id, list_id), item,
                                         with_fields="fields" in (self.query.get("$expand") or "")), {}

    def _patch_list_item(self, site_id: str, list_id: str, list_item_id: str):
        """PATCH a listItem: its content type (`contentType.id`, one of the list's own content types) and fields."""
        body = self._json()
        library = self._library(site_id, list_id)
        item = self._list_item_by_id(site_id, list_id, list_item_id)
        content_type_id = (body.get("contentType") or {}).get("id")
        if content_type_id is not None and library.content_type(content_type_id) is None:
            raise GraphError(400, "invalidRequest", f"The content type {content_type_id!r} is not on the list.")
        fields = body.get("fields") or {}
        unknown = sorted(set(fields) - library.columns)
        if unknown:
            raise GraphError(400, "invalidRequest", f"Field '{unknown[0]}' is not recognized")
        with self.graph.state.lock:
            if content_type_id is not None:
                item.content_type_id = content_type_id
            item.set_fields(fields)
        return 200, self._list_item_json(library, item, with_fields=True), {}

    def _list_item_by_id(self, site_id: str, list_id: str, list_item_id: str) -> Item:
        library = self._library(site_id, list_id)
        item = next((i for i in self.graph.state.items.values()
                     if i.drive_id == library.drive_id and i.list_item_id == list_item_id), None)
        if item is None:
            raise _not_found("list item")
        return item

    def _get_fields(self, site_id: str, list_id: str, list_item_id: str):
        item = self._list_item_by_id(site_id, list_id, list_item_id)
        return 200, {"FileLeafRef": item.name, **item.fields}, {}

    def _patch_fields(self, site_id: str, list_id: str, list_item_id: str):
        body = self._json()
        library = self._library(site_id, list_id)
        item = self._list_item_by_id(site_id, list_id, list_item_id)
        unknown = sorted(set(body) - library.columns)
        if unknown:
            raise GraphError(400, "invalidRequest", f"Field '{unknown[0]}' is not recognized")
        with self.graph.state.lock:
            item.set_fields(body)
        return 200, {"FileLeafRef": item.name, **item.fields}, {}

    # --- drive items --------------------------------------------------------
    def _item_json(self, item: Item) -> dict:
        state = self.graph.state
        body = {"id": item.id, "name": item.name, "webUrl": state.web_url(item) if item.parent_id else None,
                "createdDateTime": item.created, "lastModifiedDateTime": item.modified, "size": item.size,
                "parentReference": {"driveId": item.drive_id, "driveType": "documentLibrary", "id": item.parent_id}}
        if item.is_folder:
            body["folder"] = {"childCount": len(state.children(item.id))}
        else:
            body["file"] = {"mimeType": "application/octet-stream", "hashes": item.hashes()}
        return body

    def _item(self, drive_id: str, item_id: str):
        return 200, self._item_json(self.graph.state.items[item_id]), {}

    def _children(self, drive_id: str, item_id: str):
        state = self.graph.state
        children = sorted(state.children(item_id), key=lambda i: i.name.lower())
        skip = int(self.query.get("$skiptoken") or 0)
        page_size = int(self.query.get("$top") or 200)
        page = children[skip: skip + page_size]
        body = {"value": [self._item_json(i) for i in page]}
        if skip + page_size < len(children):
            body["@odata.nextLink"] = (f"{self.graph.base_url}/drives/{drive_id}/items/{item_id}/children"
                                       f"?$top={page_size}&$skiptoken={skip + page_size}")
        return 200, body, {}

    def _place(self, parent_id: str, name: str, conflict: str) -> tuple[str, Item | None]:
        """The name a new item gets under the conflict behaviour, and the item it replaces (if any)."""
        state = self.graph.state
        existing = state.child_named(parent_id, name)
        if existing is None:
            return name, None
        if conflict == "replace" and not existing.is_folder:
            return name, existing
        if conflict == "rename":
            return state.free_name(parent_id, name), None
        raise GraphError(409, "nameAlreadyExists", "The specified item name already exists.")

    def _new_item(self, drive_id: str, parent_id: str, name: str, *, folder: bool, size: int = 0,
                  content_path: str | None = None) -> Item:
        state = self.graph.state
        if state.items[parent_id].is_folder is False:
            raise GraphError(400, "invalidRequest", "The parent is not a folder.")
        item = Item(state.new_id("01"), drive_id, name, parent_id, folder, size, content_path,
                    list_item_id=str(len(state.items) + 1))
        state.items[item.id] = item
        return item

    def _create_folder(self, drive_id: str, parent_id: str):
        body = self._json()
        name = body.get("name") or ""
        if not name or "folder" not in body:
            raise GraphError(400, "invalidRequest", "name and folder are required")
        _check_name(name)
        with self.graph.state.lock:
            name, _ = self._place(parent_id, name, body.get("@microsoft.graph.conflictBehavior", "fail"))
            item = self._new_item(drive_id, parent_id, name, folder=True)
        return 201, self._item_json(item), {}

    def _simple_upload(self, drive_id: str, parent_id: str, name: str):
        _check_name(name)
        state = self.graph.state
        target = state.content_file()
        size = self._copy_body(target, append=False)
        conflict = self.query.get("@microsoft.graph.conflictBehavior", "replace")
        with state.lock:
            name, replaced = self._place(parent_id, name, conflict)
            if replaced is not None:
                shutil.move(target, replaced.content_path)
                replaced.size, replaced.quick_xor_hash = size, None
                replaced.touch()
                return 200, self._item_json(replaced), {}
            item = self._new_item(drive_id, parent_id, name, folder=False, size=size, content_path=target)
        return 201, self._item_json(item), {}

    def _create_session(self, drive_id: str, parent_id: str, name: str):
        _check_name(name)
        body = self._json()
        conflict = (body.get("item") or {}).get("@microsoft.graph.conflictBehavior", "replace")
        state = self.graph.state
        with state.lock:
            session = UploadSession(state.new_id("S"), drive_id, parent_id, name, conflict, state.content_file())
            state.sessions[session.id] = session
        return 200, self._session_json(session, with_url=True), {}

    def _session_json(self, session: UploadSession, *, with_url: bool = False) -> dict:
        body = {"expirationDateTime": session.expires.isoformat().replace("+00:00", "Z"),
                "nextExpectedRanges": [f"{session.received}-"]}
        if with_url:
            body["uploadUrl"] = f"{self.graph.origin}/upload/{session.id}"
        return body

    def _session(self, session_id: str) -> UploadSession:
        session = self.graph.state.sessions.get(session_id)
        if session is None or session.expired or session.expires < dt.datetime.now(dt.UTC):
            raise GraphError(404, "itemNotFound", "The upload session was not found or has expired.")
        return session

    def _session_status(self, session_id: str):
        return 200, self._session_json(self._session(session_id)), {}

    def _cancel_session(self, session_id: str):
        session = self._session(session_id)
        with self.graph.state.lock:
            self.graph.state.sessions.pop(session.id, None)
        return 204, None, {}

    def _content_range(self) -> tuple[int, int, int]:
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", self.headers.get("Content-Range") or "")
        if not match:
            raise GraphError(400, "invalidRequest", "Content-Range bytes start-end/total is required")
        start, end, total = map(int, match.groups())
        length = int(self.headers.get("Content-Length") or -1)
        if end < start or end >= total or length != end - start + 1:
            raise GraphError(400, "invalidRequest", "Content-Range does not match the body")
        if length > MAX_FRAGMENT:
            raise GraphError(413, "invalidRequest", "A fragment is at most 60 MiB")
        if end + 1 < total and length % CHUNK_UNIT:
            raise GraphError(400, "invalidRequest", "A fragment other than the last must be a multiple of 320 KiB")
        return start, end, total

    def _chunk(self, session_id: str):
        session = self._session(session_id)
        start, end, total = self._content_range()
        with self.graph.state.lock:
            if session.total is not None and total != session.total:
                raise GraphError(400, "invalidRequest", "The total size changed")
            if start != session.received:
                # Overlapping a range already received, or leaving a gap: both refused.
                raise GraphError(416, "invalidRange", "The fragment does not start at nextExpectedRanges",
                                 {"Content-Range": f"bytes */{total}"})
            session.total = total
        self._copy_body(session.content_path, append=True)
        with self.graph.state.lock:
            session.received = end + 1
            if session.received < total:
                return 202, self._session_json(session), {}
            self.graph.state.sessions.pop(session.id, None)
            name, replaced = self._place(session.parent_id, session.name, session.conflict)
            if replaced is not None:
                shutil.move(session.content_path, replaced.content_path)
                replaced.size, replaced.quick_xor_hash = total, None
                replaced.touch()
                return 200, self._item_json(replaced), {}
            item = self._new_item(session.drive_id, session.parent_id, name, folder=False, size=total,
                                  content_path=session.content_path)
        return 201, self._item_json(item), {}

    def _partial_chunk(self, keep: int) -> None:
        """A connection dropped mid-fragment: whole 320 KiB units received so far are kept, as the service
        may do, so the client must resume from nextExpectedRanges, not from where its chunk began."""
        session_id = urlsplit(self.path).path[len("/upload/"):]
        state = self.graph.state
        session = state.sessions.get(session_id)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", self.headers.get("Content-Range") or "")
        length = int(self.headers.get("Content-Length") or 0)
        keep = min(keep, length)
        data = self.rfile.read(keep)
        if session is None or not match or int(match.group(1)) != session.received:
            return
        usable = (len(data) // CHUNK_UNIT) * CHUNK_UNIT
        with open(session.content_path, "ab") as out:
            out.write(data[:usable])
        with state.lock:
            session.received += usable
            session.total = int(match.group(3))

    def _patch_item(self, drive_id: str, item_id: str):
        body = self._json()
        state = self.graph.state
        with state.lock:
            item = state.items[item_id]
            if item.parent_id is None:
                raise GraphError(400, "invalidRequest", "The root cannot be renamed or moved")
            parent_id = (body.get("parentReference") or {}).get("id") or item.parent_id
            parent = state.items.get(parent_id)
            if parent is None or parent.drive_id != drive_id or not parent.is_folder:
                raise GraphError(400, "invalidRequest", "parentReference.id must be a folder of the same drive")
            if state.is_descendant(parent_id, item.id):
                raise GraphError(400, "invalidRequest", "A folder cannot move into itself")
            name = body.get("name") or item.name
            _check_name(name)
            clash = state.child_named(parent_id, name)
            if clash is not None and clash.id != item.id:
                raise GraphError(409, "nameAlreadyExists", "The specified item name already exists.")
            if (item.name, item.parent_id) != (name, parent_id):
                item.name, item.parent_id = name, parent_id
                item.touch()
        return 200, self._item_json(item), {}

    def _delete_item(self, drive_id: str, item_id: str):
        state = self.graph.state
        with state.lock:
            doomed = [i for i in list(state.items) if state.is_descendant(i, item_id)]
            for i in doomed:
                # Into the recycle bin, as SharePoint does (restorable there by a person), not gone for good.
                state.recycle_bin.append(state.items.pop(i))
        return 204, None, {}

    def _content(self, drive_id: str, item_id: str):
        """GET .../content: 302 to a pre-authenticated download URL, as Graph answers."""
        item = self.graph.state.items[item_id]
        if item.is_folder:
            raise GraphError(400, "invalidRequest", "A folder has no content")
        return 302, None, {"Location": f"{self.graph.origin}/download/{item_id}"}

    def _download(self, item_id: str):
        item = self.graph.state.items.get(item_id)
        if item is None or item.is_folder or not item.content_path:
            raise _not_found("item")
        return 200, RawFile(item.content_path), {"Content-Type": "application/octet-stream"}

    def _delta(self, drive_id: str, item_id: str):
        from tests.graph_emulator import delta  # the drive delta lives in its own module

        if item_id != self.graph.state.library_of_drive(drive_id).root_id:
            raise GraphError(400, "invalidRequest", "delta is emulated for the drive's root only")
        return delta.answer(self.graph.state, self.graph.base_url, drive_id, self.query)

    def _missing_item(self, drive_id: str, item_id: None):
        raise _not_found("item")

    def _patch_item_list_item(self, drive_id: str, item_id: str):
        """PATCH /drives/{d}/items/{i}/listItem: the drive item's list item, as by its list's path."""
        library = self.graph.state.library_of_drive(drive_id)
        return self._patch_list_item(library.site_id, library.id, self.graph.state.items[item_id].list_item_id)

    def _patch_item_fields(self, drive_id: str, item_id: str):
        library = self.graph.state.library_of_drive(drive_id)
        return self._patch_fields(library.site_id, library.id, self.graph.state.items[item_id].list_item_id)

    def _list_item(self, drive_id: str, item_id: str):
        item = self.graph.state.items[item_id]
        library = self.graph.state.library_of_drive(drive_id)
        return 200, self._list_item_json(library, item, with_fields="fields" in (self.query.get("$expand") or "")), {}


def is_loopback(host: str) -> bool:
    """Whether a client address is this machine's own (127.0.0.0/8, ::1, or 127.x mapped into IPv6)."""
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def _fault_from_json(body) -> Fault:
    """A fault as POSTed to /_emulator/faults; a bad value is a 400 naming its field."""
    if not isinstance(body, dict):
        raise GraphError(400, "invalidRequest", "body: a JSON object")
    op, kind = body.get("op"), body.get("kind")
    if not isinstance(op, str) or not op:
        raise GraphError(400, "invalidRequest", 'op: an operation name (e.g. "simple_upload", "delta") or "*"')
    if kind not in FAULT_KINDS:
        raise GraphError(400, "invalidRequest", f"kind: one of {', '.join(FAULT_KINDS)}")
    numbers = {}
    for name, default, least in (("times", 1, 1), ("retryAfter", 1, 0), ("atByte", None, 0), ("after", 0, 0)):
        value = body.get(name, default)
        if value is not None and (type(value) is not int or not least <= value <= 1_000_000):
            raise GraphError(400, "invalidRequest", f"{name}: a whole number from {least} to 1000000"
                             + (" or null" if default is None or name == "retryAfter" else ""))
        numbers[name] = value
    return Fault(op, kind, numbers["times"], numbers["retryAfter"], numbers["atByte"], numbers["after"])


def _fault_json(fault: Fault) -> dict:
    return {"op": fault.op, "kind": fault.kind, "times": fault.times, "retryAfter": fault.retry_after,
            "atByte": fault.at_byte, "after": fault.after}


_BAD_CHARACTERS = re.compile(r'["*:<>?/\\|]')


def _check_name(name: str) -> None:
    if (_BAD_CHARACTERS.search(name) or name != name.strip() or name.endswith(".") or len(name) > 255
            or name.lower() in {".lock", "desktop.ini", "con", "prn", "aux", "nul"} or "_vti_" in name.lower()
            or name.startswith("~$")):
        raise GraphError(400, "invalidRequest", f"The name {name!r} is not valid in SharePoint.")
