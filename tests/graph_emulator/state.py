"""The emulator's memory: sites, content types, libraries with their drives, drive items, upload sessions.

File contents live in a temporary folder, never in memory, so a 200 MB upload costs the test process
nothing but disk. Everything is guarded by one lock: the HTTP server answers each request in its own thread.
"""
import datetime as dt
import itertools
import os
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote


@dataclass
class Site:
    id: str
    hostname: str
    path: str  # server-relative, e.g. /sites/partners

    @property
    def web_url(self) -> str:
        return f"https://{self.hostname}{self.path}"


@dataclass
class ContentType:
    """A site content type, or a list's copy of one (addCopy), which SharePoint gives an id of its own:
    the parent's id, "00" and 32 hex digits."""

    id: str
    name: str
    site_id: str
    column_names: list[str] = field(default_factory=list)
    parent_id: str | None = None

    def copy_for_list(self) -> "ContentType":
        return ContentType(f"{self.id}00{uuid.uuid4().hex.upper()}", self.name, self.site_id, list(self.column_names),
                           parent_id=self.id)


DOCUMENT = "0x0101"  # SharePoint's built-in Document content type, every document library's default


@dataclass
class Library:
    id: str
    site_id: str
    display_name: str
    url_name: str
    drive_id: str
    root_id: str
    columns: set[str] = field(default_factory=set)
    # The list's own content types (copies of site ones); the first, Document, is what new items get.
    content_types: list[ContentType] = field(default_factory=list)

    def content_type(self, content_type_id: str | None) -> ContentType | None:
        return next((ct for ct in self.content_types if ct.id == content_type_id), None)


@dataclass
class Item:
    id: str
    drive_id: str
    name: str
    parent_id: str | None
    is_folder: bool
    size: int = 0
    content_path: str | None = None
    list_item_id: str = ""
    fields: dict[str, object] = field(default_factory=dict)
    created: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat())
    # file.hashes.quickXorHash, computed from the contents when first asked (None again when they change).
    quick_xor_hash: str | None = None
    content_type_id: str | None = None  # None: the library's default (Document)
    # lastModifiedDateTime: every change of the item's name, place, contents or columns sets it (touch).
    modified: str = ""

    def __post_init__(self) -> None:
        self.modified = self.modified or self.created

    def touch(self) -> None:
        now = dt.datetime.now(dt.UTC)
        # Strictly later than the last change even within one clock tick, so "the later change" is well defined.
        last = dt.datetime.fromisoformat(self.modified)
        self.modified = max(now, last + dt.timedelta(microseconds=1)).isoformat()

    def set_fields(self, values: dict[str, object]) -> None:
        """Column values as SharePoint keeps them: a column emptied (null or "") has no value, and Graph leaves it
        out of the list item's `fields`."""
        self.touch()
        for name, value in values.items():
            if value is None or value == "":
                self.fields.pop(name, None)
            else:
                self.fields[name] = value

    def hashes(self) -> dict[str, str]:
        if self.quick_xor_hash is None and self.content_path:
            from integrations.sharepoint.quick_xor_hash import quick_xor_hash_of_file

            self.quick_xor_hash = quick_xor_hash_of_file(self.content_path)
        return {"quickXorHash": self.quick_xor_hash} if self.quick_xor_hash else {}


@dataclass
class UploadSession:
    id: str
    drive_id: str
    parent_id: str
    name: str
    conflict: str
    content_path: str
    received: int = 0
    total: int | None = None
    expired: bool = False
    expires: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(hours=1))


FAULT_KINDS = ("throttle", "unavailable", "drop", "expire", "mute")


@dataclass
class Fault:
    """One injected failure: `op` is an operation name (the first element of each GraphEmulator.calls() entry,
    e.g. "simple_upload", "chunk", "delta") or "*"."""

    op: str
    # "throttle" (429) | "unavailable" (503) | "drop" (connection closed mid-body) | "expire" (upload
    # sessions time out) | "mute" (the request is carried out, then the connection closes unanswered)
    kind: str
    times: int = 1
    retry_after: int | None = 1
    at_byte: int | None = None  # for "drop": bytes of the body read before the connection is closed
    after: int = 0  # matching requests let through untouched before the fault starts


@dataclass
class Hold:
    """A request held open (GraphEmulator.hold), so a test can kill its client at a chosen moment: `reached`
    is set once the request is held; after `released` its connection closes unanswered. With `carry_out`
    the request is carried out first, so only the answer is lost."""

    op: str
    after: int = 0  # matching requests let through before the one held
    carry_out: bool = False
    used: bool = False
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


class GraphState:
    # The "Forms" folder SharePoint keeps at a library's root is hidden from Graph listings, so not modelled.
    def __init__(self, directory: str | None = None) -> None:
        self.lock = threading.RLock()
        self._own_dir = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix="graph-emulator-")
        self.sites: dict[str, Site] = {}
        self.content_types: dict[str, ContentType] = {}
        self.site_columns: dict[str, set[str]] = {}
        self.libraries: dict[str, Library] = {}
        self.items: dict[str, Item] = {}
        # DELETE of a driveItem sends it (and what is below it) to the site's recycle bin, as SharePoint does.
        self.recycle_bin: list[Item] = []
        self.sessions: dict[str, UploadSession] = {}
        self.faults: list[Fault] = []
        self.holds: list[Hold] = []
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self._ids = itertools.count(1)

    def new_id(self, prefix: str = "") -> str:
        return f"{prefix}{next(self._ids):08X}{uuid.uuid4().hex[:8].upper()}"

    def content_file(self) -> str:
        handle, path = tempfile.mkstemp(dir=self.directory)
        os.close(handle)
        return path

    # --- sites and libraries ------------------------------------------------
    def site_by_path(self, hostname: str, path: str) -> Site:
        path = "/" + path.strip("/")
        with self.lock:
            for site in self.sites.values():
                if site.hostname == hostname.lower() and site.path.lower() == path.lower():
                    return site
            # Any site asked for exists: the emulator stands for a tenant where the admin made it.
            site = Site(f"{hostname.lower()},{uuid.uuid4()},{uuid.uuid4()}", hostname.lower(), path)
            self.sites[site.id] = site
            return site

    def create_library(self, site_id: str, display_name: str, columns: list[str]) -> Library:
        drive_id = "b!" + uuid.uuid4().hex
        root = Item(self.new_id("ROOT"), drive_id, "root", None, True)
        url_name = "".join(ch for ch in display_name if ch.isalnum() or ch in " -_") or "Library"
        taken = {lib.url_name.lower() for lib in self.libraries.values() if lib.site_id == site_id}
        base, n = url_name, 1
        while url_name.lower() in taken:
            url_name, n = f"{base}{n}", n + 1
        document = ContentType(DOCUMENT, "Document", site_id).copy_for_list()
        library = Library(str(uuid.uuid4()), site_id, display_name, url_name, drive_id, root.id, set(columns),
                          [document])
        self.items[root.id] = root
        self.libraries[library.id] = library
        return library

    def library_of_drive(self, drive_id: str) -> Library | None:
        return next((lib for lib in self.libraries.values() if lib.drive_id == drive_id), None)

    # --- items --------------------------------------------------------------
    def children(self, parent_id: str) -> list[Item]:
        return [item for item in self.items.values() if item.parent_id == parent_id]

    def child_named(self, parent_id: str, name: str) -> Item | None:
        return next((i for i in self.children(parent_id) if i.name.lower() == name.lower()), None)

    def free_name(self, parent_id: str, name: str) -> str:
        """conflictBehavior "rename": "a 1.txt", "a 2.txt"… as OneDrive does."""
        stem, dot, ext = name.rpartition(".")
        stem, ext = (stem, dot + ext) if dot and stem else (name, "")
        n = 1
        while self.child_named(parent_id, name):
            name, n = f"{stem} {n}{ext}", n + 1
        return name

    def path_of(self, item: Item) -> list[str]:
        names = []
        while item.parent_id is not None:
            names.append(item.name)
            item = self.items[item.parent_id]
        return list(reversed(names))

    def web_url(self, item: Item) -> str:
        library = self.library_of_drive(item.drive_id)
        site = self.sites[library.site_id]
        parts = [library.url_name, *self.path_of(item)]
        return site.web_url + "/" + "/".join(quote(p) for p in parts)

    def is_descendant(self, item_id: str, ancestor_id: str) -> bool:
        current = self.items.get(item_id)
        while current is not None:
            if current.id == ancestor_id:
                return True
            current = self.items.get(current.parent_id) if current.parent_id else None
        return False

    def files(self) -> list[Item]:
        return [item for item in self.items.values() if not item.is_folder]

    def item_by_path(self, library_name: str, *names: str) -> Item | None:
        with self.lock:
            library = next((lib for lib in self.libraries.values() if lib.display_name == library_name), None)
            if library is None:
                return None
            item = self.items[library.root_id]
            for name in names:
                item = self.child_named(item.id, name)
                if item is None:
                    return None
            return item

    def close(self) -> None:
        if self._own_dir:
            import shutil

            shutil.rmtree(self.directory, ignore_errors=True)
