"""The emulator's drive delta (`GET /drives/{d}/root/delta`) and the edits a person makes in SharePoint itself.

Semantics as Microsoft documents them (reference/graph-notes.md): without a token, every item of the drive
(the root included); with a token, each item changed since then once, in its latest state, and deleted items
as `{"id", "deleted": {}}`; pages linked by `@odata.nextLink`, the last one with `@odata.deltaLink` holding a
fresh token; `parentReference` has the parent's id but no `path`; a renamed folder's children are not
listed. `?token=latest` starts from now. An expired token answers 410 Gone with a Location to start afresh.

Changes are found by comparing each item with a snapshot taken when the token was handed out, so every way
an item can change (the emulator's own handlers, or the edits below) shows up without hooks in them.
"""
import hashlib
import itertools
import json
import mimetypes
import os
import uuid
from dataclasses import dataclass, field

from tests.graph_emulator.state import GraphState, Item

DEFAULT_PAGE_SIZE = 200


@dataclass
class DeltaCursor:
    drive_id: str
    entries: list[tuple[str, str]]  # ("item" | "deleted", item id), in the order they are served
    token: str  # the token the last page's deltaLink carries


@dataclass
class DeltaBook:
    """Tokens handed out (each with the drive's snapshot then) and enumerations under way."""

    snapshots: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)  # token -> (drive, id -> signature)
    expired: set[str] = field(default_factory=set)
    cursors: dict[str, DeltaCursor] = field(default_factory=dict)
    page_size: int = DEFAULT_PAGE_SIZE
    _list_item_ids: itertools.count = field(default_factory=lambda: itertools.count(1_000_000))


def book(state: GraphState) -> DeltaBook:
    with state.lock:
        found = getattr(state, "delta_book", None)
        if found is None:
            found = DeltaBook()
            state.delta_book = found  # type: ignore[attr-defined]
        return found


def signature(item: Item) -> str:
    """What changes when SharePoint would report the item in a delta: name, parent, contents, list-item fields and
    content type."""
    content = ""
    if item.content_path and os.path.exists(item.content_path):
        stat = os.stat(item.content_path)
        content = f"{item.content_path}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"
    return json.dumps([item.name, item.parent_id, item.size, item.is_folder, content, item.content_type_id,
                       sorted((k, json.dumps(v, sort_keys=True)) for k, v in item.fields.items())])


def etag(item: Item) -> str:
    return f'"{{{item.id}}},{hashlib.sha1(signature(item).encode()).hexdigest()[:12]}"'


def _drive_items(state: GraphState, drive_id: str) -> list[Item]:
    # Creation order (dicts keep insertion order): parents usually, but not always, come first.
    return [item for item in state.items.values() if item.drive_id == drive_id]


def _snapshot(state: GraphState, drive_id: str) -> str:
    token = uuid.uuid4().hex
    book(state).snapshots[token] = (drive_id, {i.id: signature(i) for i in _drive_items(state, drive_id)})
    return token


def item_json(state: GraphState, item: Item) -> dict:
    body = {"id": item.id, "name": item.name if item.parent_id else "root", "eTag": etag(item),
            "cTag": f'"c:{{{item.id}}},{item.size}"', "createdDateTime": item.created, "size": item.size,
            "lastModifiedDateTime": item.modified,
            "webUrl": state.web_url(item) if item.parent_id else None,
            # No `path` in delta answers: clients must follow items by id.
            "parentReference": {"driveId": item.drive_id, "driveType": "documentLibrary"}}
    if item.parent_id:
        body["parentReference"]["id"] = item.parent_id
    else:
        body["root"] = {}
    if item.is_folder:
        body["folder"] = {"childCount": len(state.children(item.id))}
    else:
        body["file"] = {"mimeType": mimetypes.guess_type(item.name)[0] or "application/octet-stream"}
    return body


def answer(state: GraphState, base_url: str, drive_id: str, query: dict[str, str]) -> tuple[int, dict, dict]:
    """(status, body, headers) of one delta request."""
    delta = book(state)
    start_over = f"{base_url}/drives/{drive_id}/root/delta"
    with state.lock:
        skip = query.get("$skiptoken")
        if skip is not None:
            cursor_id, _, offset_text = skip.partition(".")
            cursor = delta.cursors.get(cursor_id)
            if cursor is None or cursor.drive_id != drive_id or not offset_text.isdigit():
                return _gone(start_over)
            offset = int(offset_text)
        else:
            token = query.get("token")
            if token in delta.expired:
                return _gone(start_over)
            if token is None:
                entries = [("item", i.id) for i in _drive_items(state, drive_id)]
            elif token == "latest":
                entries = []
            elif token in delta.snapshots and delta.snapshots[token][0] == drive_id:
                before = delta.snapshots[token][1]
                now = {i.id: i for i in _drive_items(state, drive_id)}
                entries = [("item", i) for i, item in now.items() if before.get(i) != signature(item)]
                entries += [("deleted", i) for i in before if i not in now]
            else:
                return 400, {"error": {"code": "invalidRequest", "message": "Invalid delta token."}}, {}
            cursor_id = uuid.uuid4().hex
            cursor = DeltaCursor(drive_id, entries, _snapshot(state, drive_id))
            delta.cursors[cursor_id] = cursor
            offset = 0
        size = int(query.get("$top") or delta.page_size)
        page = cursor.entries[offset: offset + size]
        values = []
        for kind, item_id in page:
            item = state.items.get(item_id)
            if kind == "item" and item is not None:
                values.append(item_json(state, item))
            else:
                values.append({"id": item_id, "deleted": {"state": "deleted"},
                               "parentReference": {"driveId": drive_id}})
        body: dict = {"value": values}
        if offset + size < len(cursor.entries):
            body["@odata.nextLink"] = f"{start_over}?$skiptoken={cursor_id}.{offset + size}"
        else:
            body["@odata.deltaLink"] = f"{start_over}?token={cursor.token}"
            delta.cursors.pop(cursor_id, None)
    return 200, body, {}


def _gone(start_over: str) -> tuple[int, dict, dict]:
    return 410, {"error": {"code": "resyncChangesApplyDifferences",
                           "message": "Resync required. Replace any local items with the server's version "
                                      "(including deletes) if you're sure that the service was up to date with "
                                      "your local changes when you last sync'd."}}, {"Location": start_over}


def expire_tokens(state: GraphState) -> None:
    """Every token handed out so far is too old: the next delta with one answers 410 Gone."""
    delta = book(state)
    with state.lock:
        delta.expired.update(delta.snapshots)
        delta.snapshots.clear()
        delta.cursors.clear()


class SharePointUser:
    """Someone working in the SharePoint web UI: changes made straight in the emulator's state, not through
    the API the integration uses (so they cost the integration's request counts nothing)."""

    def __init__(self, state: GraphState) -> None:
        self.state = state

    def _library(self, name: str):
        found = next((lib for lib in self.state.libraries.values() if lib.display_name == name), None)
        assert found is not None, f"no library {name!r}"
        return found

    def root(self, library: str) -> Item:
        return self.state.items[self._library(library).root_id]

    def item(self, library: str, *path: str) -> Item:
        found = self.state.item_by_path(library, *path)
        assert found is not None, f"nothing at {library}/{'/'.join(path)}"
        return found

    def add_folder(self, parent: Item, name: str) -> Item:
        return self._add(parent, name, folder=True)

    def add_file(self, parent: Item, name: str, contents: bytes = b"made in SharePoint",
                 fields: dict | None = None) -> Item:
        item = self._add(parent, name, folder=False, contents=contents)
        item.set_fields(fields or {})
        return item

    def add_files(self, parent: Item, count: int, *, prefix: str = "file") -> list[Item]:
        """Many small files at once (contents shared, as nobody reads them): for request-count tests."""
        path = self.state.content_file()
        with open(path, "wb") as out:
            out.write(b"x")
        with self.state.lock:
            made = []
            for n in range(count):
                item = Item(self.state.new_id("01"), parent.drive_id, f"{prefix}-{n:05d}.txt", parent.id, False, 1,
                            path, list_item_id=str(next(book(self.state)._list_item_ids)))
                self.state.items[item.id] = item
                made.append(item)
            return made

    def _add(self, parent: Item, name: str, *, folder: bool, contents: bytes = b"") -> Item:
        with self.state.lock:
            assert self.state.child_named(parent.id, name) is None, f"{name!r} exists"
            path = None
            if not folder:
                path = self.state.content_file()
                with open(path, "wb") as out:
                    out.write(contents)
            item = Item(self.state.new_id("01"), parent.drive_id, name, parent.id, folder, len(contents), path,
                        list_item_id=str(next(book(self.state)._list_item_ids)))
            self.state.items[item.id] = item
            return item

    def rename(self, item: Item, name: str) -> None:
        with self.state.lock:
            item.name = name
            item.touch()

    def move(self, item: Item, parent: Item, name: str | None = None) -> None:
        with self.state.lock:
            assert not self.state.is_descendant(parent.id, item.id)
            item.parent_id = parent.id
            if name is not None:
                item.name = name
            item.touch()

    def set_fields(self, item: Item, **fields) -> None:
        with self.state.lock:
            item.set_fields(fields)

    def delete(self, item: Item) -> None:
        with self.state.lock:
            for item_id in [i for i in list(self.state.items) if self.state.is_descendant(i, item.id)]:
                self.state.recycle_bin.append(self.state.items.pop(item_id))
