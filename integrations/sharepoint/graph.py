"""The Graph calls a transfer makes, on msgraph-sdk, with Graph's failures turned into SharePointError.

Retries are decided here alone (`GraphSession.call`: 429, 503, 5xx and dropped connections, honouring
Retry-After), then by the job queue: the SDK's own retry middleware is left out of its pipeline
(connection.graph_http_client), so an outage is not retried three times inside each of our attempts.
"""
import asyncio
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from integrations.sharepoint.connection import SharePointConnection, credential_for, graph_service_client
from domain.sharepoint.errors import SharePointError, retry_after_seconds

T = TypeVar("T")
CONTENT_TYPE_NAME = "partnergraph file"
CONTENT_TYPE_GROUP = "partnergraph"
DOCUMENT_CONTENT_TYPE = "0x0101"  # SharePoint's base "Document" content type
COLUMNS = ("momentActivity", "momentYear", "momentPeriod", "momentTags")
ATTEMPTS = 5
MAX_WAIT = 120.0  # longer Retry-After values go back to the job queue, which waits without holding a worker
MAX_KNOWN_FOLDERS = 10_000  # folder ids a session remembers having seen (the oldest are forgotten first)


def _odata_error(error: Exception) -> SharePointError:
    status = getattr(error, "response_status_code", None) or 0
    inner = getattr(error, "error", None)
    code = getattr(inner, "code", None)
    message = getattr(inner, "message", None) or str(error)
    headers = getattr(error, "response_headers", None) or {}
    retry = None
    if hasattr(headers, "get"):
        value = headers.get("Retry-After") or headers.get("retry-after")
        retry = retry_after_seconds(value[0] if isinstance(value, (list, set, tuple)) and value else value)
    return SharePointError.from_status(status, code, message, retry_after=retry)


@dataclass
class Learnt:
    """What a session has seen of its site, so a long-lived session (integrations.sharepoint.client.GraphSites)
    does not ask again: all of it is forgotten together (`GraphSession.forget`) when an id turns out gone."""

    site: tuple[str, str] | None = None  # id, webUrl
    content_type_id: str | None = None  # the site content type, with its columns
    # list ids made sure of -> the id of the library's copy of our content type (None: not applied)
    libraries: dict[str, str | None] = field(default_factory=dict)
    drives: dict[str, str] = field(default_factory=dict)  # list id -> drive id
    roots: dict[str, str] = field(default_factory=dict)  # drive id -> root item id
    folders: OrderedDict[tuple[str, str], None] = field(default_factory=OrderedDict)  # (drive id, folder id)

    def __bool__(self) -> bool:
        return bool(self.site or self.libraries or self.drives or self.roots or self.folders)

    def saw_folder(self, drive_id: str, folder_id: str) -> None:
        self.folders[(drive_id, folder_id)] = None
        self.folders.move_to_end((drive_id, folder_id))
        while len(self.folders) > MAX_KNOWN_FOLDERS:
            self.folders.popitem(last=False)


def response_failure(response: httpx.Response) -> SharePointError:
    """The SharePointError of a Graph answer read without the SDK (its status, error code and Retry-After)."""
    try:
        body = response.json().get("error") or {}
    except ValueError:
        body = {}
    return SharePointError.from_status(response.status_code, body.get("code"), body.get("message") or "",
                                       retry_after=retry_after_seconds(response.headers.get("Retry-After")))


class GraphSession:
    """One configuration's signed-in Graph: the SDK client for JSON calls and httpx for content, and what it has
    learnt of the site (`learnt`), which it trusts until `forget()`."""

    def __init__(self, connection: SharePointConnection, *, credential: Any = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.connection = connection
        self.credential = credential or credential_for(connection)
        self.client = graph_service_client(connection, self.credential)
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=10.0))
        self.sleep = sleep
        self.learnt = Learnt()
        # Several jobs may share the session: one at a time learns the site and its content type.
        self._learning = asyncio.Lock()

    def forget(self) -> None:
        """Drops what the session learnt: the next calls look everything up again."""
        self.learnt = Learnt()

    async def close(self) -> None:
        await self.http.aclose()
        await self.credential.close()

    async def __aenter__(self) -> "GraphSession":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def token(self) -> str:
        return (await self.credential.get_token(self.connection.scope)).token

    async def pause_before_retry(self, failure: SharePointError, attempt: int) -> None:
        """The one retry rule of every Graph request: raises `failure` when it is not transient, when `attempt` was
        the last, or when the wait (Retry-After, else 0.5 s doubling) is longer than a worker should hold on;
        otherwise waits before the next attempt."""
        if not failure.transient or attempt == ATTEMPTS:
            raise failure
        wait = failure.retry_after if failure.retry_after is not None else 0.5 * 2 ** (attempt - 1)
        if wait > MAX_WAIT:
            raise failure
        await self.sleep(wait)

    async def call(self, make: Callable[[], Awaitable[T]], *, missing_ok: bool = False) -> T | None:
        """Runs one SDK call, retrying transient failures; None for a 404 when `missing_ok`."""
        from msgraph.generated.models.o_data_errors.o_data_error import ODataError

        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await make()
            except ODataError as error:
                failure = _odata_error(error)
                if missing_ok and failure.status == 404:
                    return None
            except httpx.TransportError as error:
                failure = SharePointError(f"Graph unreachable: {error!r}", transient=True)
            await self.pause_before_retry(failure, attempt)
        raise AssertionError("unreachable")

    # --- site, content type, libraries --------------------------------------
    async def site(self) -> tuple[str, str]:
        """The configured site's id and webUrl."""
        if self.learnt.site is None:
            async with self._learning:
                if self.learnt.site is None:
                    key = f"{self.connection.site_hostname}:{self.connection.site_path}"
                    site = await self.call(lambda: self.client.sites.by_site_id(key).get())
                    self.learnt.site = (site.id, site.web_url)
        return self.learnt.site

    async def ensure_content_type(self) -> str:
        """The site content type with the four moment* columns, created (with its columns) when missing."""
        site_id, _ = await self.site()
        async with self._learning:
            if self.learnt.content_type_id is None:
                self.learnt.content_type_id = await self._ensure_content_type(site_id)
        return self.learnt.content_type_id

    async def _ensure_content_type(self, site_id: str) -> str:
        from msgraph.generated.models.column_definition import ColumnDefinition
        from msgraph.generated.models.content_type import ContentType
        from msgraph.generated.models.text_column import TextColumn

        site = self.client.sites.by_site_id(site_id)
        existing = await self.call(lambda: site.columns.get())
        columns = {c.name: c.id for c in existing.value or []}
        for name in COLUMNS:
            if name not in columns:
                made = await self._create_or_find(
                    lambda n=name: site.columns.post(ColumnDefinition(name=n, display_name=n, text=TextColumn())),
                    lambda: site.columns.get(), name)
                columns[name] = made
        types = await self.call(lambda: site.content_types.get())
        type_id = next((t.id for t in types.value or [] if t.name == CONTENT_TYPE_NAME), None)
        if type_id is None:
            type_id = await self._create_or_find(
                lambda: site.content_types.post(ContentType(
                    name=CONTENT_TYPE_NAME, group=CONTENT_TYPE_GROUP, base=ContentType(id=DOCUMENT_CONTENT_TYPE))),
                lambda: site.content_types.get(), CONTENT_TYPE_NAME)
        content_type = site.content_types.by_content_type_id(type_id)
        present = {c.name for c in (await self.call(lambda: content_type.columns.get())).value or []}
        for name in COLUMNS:
            if name not in present:
                bind = f"{self.connection.graph_url}/sites/{site_id}/columns/{columns[name]}"
                try:
                    await self.call(lambda b=bind: content_type.columns.post(
                        ColumnDefinition(additional_data={"sourceColumn@odata.bind": b})))
                except SharePointError as error:
                    if error.code != "nameAlreadyExists":
                        raise
        return type_id

    async def _create_or_find(self, create, list_again, name: str) -> str:
        try:
            return (await self.call(create)).id
        except SharePointError as error:
            if error.status != 409:
                raise
        # Another worker made it first.
        found = await self.call(list_again)
        return next(x.id for x in found.value or [] if x.name == name)

    async def find_library(self, display_name: str) -> str | None:
        """A document library of the site by its display name (case-insensitive, as SharePoint compares)."""
        site_id, _ = await self.site()
        lists = self.client.sites.by_site_id(site_id).lists
        page = await self.call(lambda: lists.get())
        while page is not None:
            for item in page.value or []:
                if (item.display_name or "").casefold() == display_name.casefold():
                    return item.id
            link = page.odata_next_link
            page = await self.call(lambda: lists.with_url(link).get()) if link else None
        return None

    async def create_library(self, display_name: str) -> str:
        from msgraph.generated.models.list_ import List_
        from msgraph.generated.models.list_info import ListInfo

        site_id, _ = await self.site()
        made = await self.call(lambda: self.client.sites.by_site_id(site_id).lists.post(
            List_(display_name=display_name, list_=ListInfo(template="documentLibrary"))))
        return made.id

    async def library_exists(self, list_id: str) -> bool:
        site_id, _ = await self.site()
        found = await self.call(lambda: self.client.sites.by_site_id(site_id).lists.by_list_id(list_id).get(),
                                missing_ok=True)
        return found is not None

    async def add_content_type(self, list_id: str, content_type_id: str) -> str:
        """The site content type on a library (its columns come with it), added when missing: the id of the
        library's copy, which SharePoint gives an id of its own and which is what list items are set to."""
        from msgraph.generated.sites.item.lists.item.content_types.add_copy.add_copy_post_request_body import (
            AddCopyPostRequestBody,
        )

        site_id, _ = await self.site()
        types = self.client.sites.by_site_id(site_id).lists.by_list_id(list_id).content_types

        async def present() -> str | None:
            found = await self.call(lambda: types.get())
            return next((t.id for t in found.value or [] if t.name == CONTENT_TYPE_NAME), None)

        if (copy_id := await present()) is not None:
            return copy_id
        url = f"{self.connection.graph_url}/sites/{site_id}/contentTypes/{content_type_id}"
        try:
            return (await self.call(lambda: types.add_copy.post(AddCopyPostRequestBody(content_type=url)))).id
        except SharePointError as error:
            if error.status != 409 or (copy_id := await present()) is None:
                raise
            return copy_id  # added meanwhile by another worker

    async def library_columns(self, list_id: str) -> frozenset[str]:
        """The names of a library's columns (its own and SharePoint's built-in ones)."""
        site_id, _ = await self.site()
        columns = self.client.sites.by_site_id(site_id).lists.by_list_id(list_id).columns
        names: set[str] = set()
        page = await self.call(lambda: columns.get())
        while page is not None:
            names.update(c.name for c in page.value or [] if c.name)
            link = page.odata_next_link
            page = await self.call(lambda: columns.with_url(link).get()) if link else None
        return frozenset(names)

    async def library_drive(self, list_id: str) -> str:
        if list_id not in self.learnt.drives:
            site_id, _ = await self.site()
            drive = await self.call(
                lambda: self.client.sites.by_site_id(site_id).lists.by_list_id(list_id).drive.get())
            self.learnt.drives[list_id] = drive.id
        return self.learnt.drives[list_id]

    # --- drive items --------------------------------------------------------
    def _items(self, drive_id: str):
        return self.client.drives.by_drive_id(drive_id).items

    async def root_id(self, drive_id: str) -> str:
        if drive_id not in self.learnt.roots:
            root = await self.call(lambda: self.client.drives.by_drive_id(drive_id).root.get())
            self.learnt.roots[drive_id] = root.id
        return self.learnt.roots[drive_id]

    async def folder_exists(self, drive_id: str, folder_id: str) -> bool:
        """Whether a folder of that id is in the drive (wherever it was moved, whatever it is called now)."""
        if (drive_id, folder_id) not in self.learnt.folders:
            item = await self.item(drive_id, folder_id)
            if item is None or item.folder is None:
                return False
        self.learnt.saw_folder(drive_id, folder_id)
        return True

    async def item(self, drive_id: str, item_id: str):
        return await self.call(lambda: self._items(drive_id).by_drive_item_id(item_id).get(), missing_ok=True)

    async def child(self, drive_id: str, parent_id: str, name: str):
        """The item called `name` in a folder, or None (path addressing relative to the folder's id)."""
        return await self.call(lambda: self._items(drive_id).by_drive_item_id(f"{parent_id}:/{name}:").get(),
                               missing_ok=True)

    async def create_folder(self, drive_id: str, parent_id: str, name: str):
        from msgraph.generated.models.drive_item import DriveItem
        from msgraph.generated.models.folder import Folder

        body = DriveItem(name=name, folder=Folder(), additional_data={"@microsoft.graph.conflictBehavior": "fail"})
        return await self.call(lambda: self._items(drive_id).by_drive_item_id(parent_id).children.post(body))

    async def update_item(self, drive_id: str, item_id: str, *, name: str | None = None,
                          parent_id: str | None = None):
        from msgraph.generated.models.drive_item import DriveItem
        from msgraph.generated.models.item_reference import ItemReference

        body = DriveItem(name=name, parent_reference=ItemReference(id=parent_id) if parent_id else None)
        return await self.call(lambda: self._items(drive_id).by_drive_item_id(item_id).patch(body))

    async def delete_item(self, drive_id: str, item_id: str) -> bool:
        """DELETE of a driveItem: into the site's recycle bin. False when it was gone already (404)."""
        try:
            await self.call(lambda: self._items(drive_id).by_drive_item_id(item_id).delete())
        except SharePointError as error:
            if error.status == 404:
                return False
            raise
        return True

    async def download(self, drive_id: str, item_id: str, path: str | os.PathLike) -> int:
        """Streams an item's contents into a local file (GET .../content answers 302 to a pre-authenticated
        download URL, which httpx follows without our token when it is elsewhere); returns the bytes written.
        Transient failures are retried as `call` retries them."""
        url = f"{self.connection.graph_url}/drives/{drive_id}/items/{item_id}/content"
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self.http.stream("GET", url, follow_redirects=True,
                                            headers={"Authorization": f"Bearer {await self.token()}"}) as response:
                    if response.status_code == 200:
                        written = 0
                        with open(path, "wb") as out:
                            async for piece in response.aiter_bytes(64 * 1024):
                                out.write(piece)
                                written += len(piece)
                        return written
                    await response.aread()
                    failure = response_failure(response)
            except httpx.TransportError as error:
                failure = SharePointError(f"Graph unreachable: {error!r}", transient=True)
            await self.pause_before_retry(failure, attempt)
        raise AssertionError("unreachable")

    async def fill_list_item(self, drive_id: str, item_id: str, fields: dict[str, object], *,
                             content_type_id: str | None = None, new: bool = False) -> None:
        """Sets a file's list item to the library's content type (unless it has it already; a `new` upload has the
        library's default, so it is not read first) and fills its columns. Addressed through the drive item
        (`/drives/{d}/items/{i}/listItem`, which the SDK only reads: its site-path builders are given that URL),
        so the list item's id is never looked up."""
        from msgraph.generated.models.content_type_info import ContentTypeInfo
        from msgraph.generated.models.field_value_set import FieldValueSet
        from msgraph.generated.models.list_item import ListItem
        from msgraph.generated.sites.item.lists.item.items.item.fields.fields_request_builder import (
            FieldsRequestBuilder,
        )
        from msgraph.generated.sites.item.lists.item.items.item.list_item_item_request_builder import (
            ListItemItemRequestBuilder,
        )

        url = f"{self.connection.graph_url}/drives/{drive_id}/items/{item_id}/listItem"
        if content_type_id and not new:
            current = await self.call(lambda: self._items(drive_id).by_drive_item_id(item_id).list_item.get())
            if current.content_type is not None and current.content_type.id == content_type_id:
                content_type_id = None
        if content_type_id:
            item = ListItemItemRequestBuilder(self.client.request_adapter, url)
            await self.call(lambda: item.patch(ListItem(content_type=ContentTypeInfo(id=content_type_id))))
        if fields:
            item_fields = FieldsRequestBuilder(self.client.request_adapter, url + "/fields")
            await self.call(lambda: item_fields.patch(FieldValueSet(additional_data=dict(fields))))
