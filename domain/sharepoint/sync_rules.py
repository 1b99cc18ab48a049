"""Pure decisions of a sync from SharePoint (SPEC §6): which entity a folder belongs to, and what one change of a
drive delta means for partnergraph's file rows.

Plain values in, plain values out: the integration reads the delta, the service applies these answers.
"""
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass

from domain.files.rules import EntityKind, MAX_NAME, clean_tags, content_type_of

Owner = tuple[EntityKind, int]
TAGS_FIELD = "momentTags"


@dataclass(frozen=True)
class DriveChange:
    """One item of a delta page, as Graph reports it (the latest state; `deleted` items may have no name)."""

    item_id: str
    deleted: bool = False
    name: str | None = None
    parent_id: str | None = None
    is_folder: bool = False
    is_root: bool = False
    size: int = 0
    etag: str | None = None
    web_url: str | None = None
    mime_type: str | None = None
    created_at: dt.datetime | None = None
    modified_at: dt.datetime | None = None  # lastModifiedDateTime: when it last changed in SharePoint

    @property
    def is_file(self) -> bool:
        return not (self.deleted or self.is_folder or self.is_root)


@dataclass(frozen=True)
class KnownFile:
    """A file row that is in SharePoint, as the sync compares it."""

    id: int
    name: str
    owner: Owner
    tags: tuple[str, ...]
    etag: str | None
    web_url: str | None
    parent_id: str | None = None
    # A change made here still queued for SharePoint (domain.files.transfers.schedule_change), and when the file
    # last changed here: the two halves of the rule for a file changed on both sides between syncs.
    change_queued: bool = False
    changed_at: dt.datetime | None = None


class Outcome(enum.StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"  # renamed, retagged
    MOVED = "MOVED"  # now belongs to another entity (and perhaps renamed or retagged too)
    DELETED = "DELETED"
    REFRESHED = "REFRESHED"  # only the eTag or webUrl changed: nobody needs to hear of it
    UNCHANGED = "UNCHANGED"
    SKIPPED = "SKIPPED"  # outside every known folder, or a transfer of ours still on its way


@dataclass(frozen=True)
class FileDecision:
    outcome: Outcome
    name: str | None = None
    owner: Owner | None = None
    tags: tuple[str, ...] | None = None  # None: keep the tags as they are


def owner_of_folder(folder_id: str | None, *, parents: Mapping[str, str | None], entity_folders: Mapping[str, Owner],
                    root_id: str | None, customer_id: int) -> Owner | None:
    """The entity whose folder is `folder_id` or the nearest folder above it; the library root is the customer's.
    None when the chain leaves what the library's folder tree knows (or loops)."""
    seen: set[str] = set()
    current = folder_id
    while current is not None and current not in seen:
        if current in entity_folders:
            return entity_folders[current]
        if current == root_id:
            return EntityKind.CUSTOMER, customer_id
        seen.add(current)
        if current not in parents:
            return None
        current = parents[current]
    return None


def tags_from_fields(fields: Mapping[str, object] | None, *, library_has_column: bool) -> tuple[str, ...] | None:
    """The file's tags from its list item's momentTags ("a; b"), or None when they say nothing: the library has
    no such column (then the tags stay as they are), or the item's fields were not read. Graph leaves a column
    with no value out of `fields`, so in a library with the column a missing momentTags is an emptied one: no
    tags. Invalid or repeated tags are dropped rather than refused: a person typed them in SharePoint, and the
    rest of the file should still come across."""
    if fields is None or not library_has_column:
        return None
    value = fields.get(TAGS_FIELD)
    parts = value if isinstance(value, list) else str(value or "").replace(",", ";").split(";")
    tags: list[str] = []
    for part in parts:
        try:
            tags.extend(clean_tags([str(part)]))
        except Exception:
            continue
    unique: dict[str, str] = {}
    for tag in tags:
        unique.setdefault(tag.casefold(), tag)
    return tuple(sorted(unique.values(), key=str.casefold))[:50]


def file_name(name: str | None) -> str:
    """A SharePoint name as partnergraph keeps it (SharePoint's names are valid already; at most 255)."""
    name = (name or "").strip() or "unnamed"
    return name[:MAX_NAME]


def content_type(change: DriveChange) -> str:
    return content_type_of(change.mime_type, file_name(change.name))


def sharepoint_wins(change: DriveChange, known: KnownFile) -> bool:
    """The rule for a file changed on both sides between two syncs (SPEC §6), deterministic whatever the order:
    a change made here and still queued for SharePoint is never overwritten by a sync (its job carries it there,
    over what was edited in SharePoint); otherwise the later change wins: the item's state is taken only when its
    lastModifiedDateTime is after the file's last change here (a delta read before that change, say, is older).
    Without one of the two times, SharePoint's state is taken, as before this rule. A deletion in SharePoint is
    not subject to it: an item gone there cannot be changed, so the file goes here too."""
    if known.change_queued:
        return False
    if change.modified_at is None or known.changed_at is None:
        return True
    return change.modified_at > known.changed_at


def decide(change: DriveChange, known: KnownFile | None, *, owner: Owner | None,
           tags: tuple[str, ...] | None, ours_on_the_way: bool = False, deleted_here: bool = False) -> FileDecision:
    """What one change of a file item means. `owner` is the entity of its folder (None: outside every known
    folder), `tags` its momentTags when they were read, `ours_on_the_way` whether a file of ours with that name
    and size waits to be transferred there (its upload, seen before the transfer recorded it), `deleted_here`
    whether the item is a tombstone's: its file was deleted here, and an edit in SharePoint never brings it back."""
    if change.deleted:
        return FileDecision(Outcome.DELETED) if known is not None else FileDecision(Outcome.UNCHANGED)
    if not change.is_file:
        return FileDecision(Outcome.UNCHANGED)
    name = file_name(change.name)
    if known is None:
        if owner is None or ours_on_the_way or deleted_here:
            return FileDecision(Outcome.SKIPPED)
        return FileDecision(Outcome.CREATED, name=name, owner=owner, tags=tags or ())
    if not sharepoint_wins(change, known):
        return FileDecision(Outcome.SKIPPED)
    new_owner = owner if owner is not None else known.owner
    new_tags = tags if tags is not None and tuple(t.casefold() for t in tags) != tuple(
        t.casefold() for t in sorted(known.tags, key=str.casefold)) else None
    renamed = name != known.name
    if new_owner != known.owner:
        return FileDecision(Outcome.MOVED, name=name, owner=new_owner, tags=new_tags)
    if renamed or new_tags is not None:
        return FileDecision(Outcome.UPDATED, name=name, owner=known.owner, tags=new_tags)
    if change.etag != known.etag or (change.web_url and change.web_url != known.web_url) or \
            change.parent_id != known.parent_id:
        return FileDecision(Outcome.REFRESHED, name=name, owner=known.owner)
    return FileDecision(Outcome.UNCHANGED)


def latest(changes: list[DriveChange]) -> list[DriveChange]:
    """Each item once, in its last reported state (an item can appear on several pages of one change set)."""
    by_id: dict[str, DriveChange] = {}
    for change in changes:
        by_id.pop(change.item_id, None)
        by_id[change.item_id] = change
    return list(by_id.values())


def vanished(known_item_ids: set[str], seen_item_ids: set[str]) -> set[str]:
    """After a full enumeration (the first sync, or a resync after 410 Gone): the items we know that are no
    longer in the library were deleted there."""
    return known_item_ids - seen_item_ids


def moved_folders(before: Mapping[str, tuple[str | None, str]], changes: list[DriveChange]) -> set[str]:
    """Folders already known that a change set renamed or moved (their files' webUrls changed with them)."""
    return {c.item_id for c in changes if c.is_folder and not c.deleted and c.item_id in before
            and before[c.item_id] != (c.parent_id, c.name or "")}


def below(folder_ids: set[str], parents: Mapping[str, str | None]) -> set[str]:
    """These folders and every folder under them, in a library's folder tree."""
    children: dict[str | None, list[str]] = {}
    for item_id, parent_id in parents.items():
        children.setdefault(parent_id, []).append(item_id)
    found, todo = set(), list(folder_ids)
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, ()))
    return found


def tree_after(before: Mapping[str, str | None], changes: list[DriveChange], *, full: bool) -> dict[str, str | None]:
    """A library's folder tree (folder id -> parent id) once a change set is applied; after a full enumeration,
    exactly the folders it listed."""
    tree: dict[str, str | None] = {} if full else dict(before)
    for change in changes:
        if change.deleted:
            tree.pop(change.item_id, None)
        elif change.is_folder and not change.is_root:
            tree[change.item_id] = change.parent_id
    return tree
