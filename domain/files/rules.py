"""Pure rules for files (SPEC §5): names, tags, content types, what a file belongs to, and where it is stored."""
import enum
import mimetypes
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from domain.platform.errors import InputWarning, InvalidInput
from domain.platform.validation import MAX_LENGTH
from domain.model import FileTransferState, ProjectStorage, StorageLocation

# A file's name as kept has at most 255 characters (SharePoint's limit for one name, SPEC §6); a longer name is
# shortened, keeping its extension, with a warning. Only names longer than the API takes (MAX_GIVEN_NAME) are
# refused: nobody means those.
MAX_NAME = 255
MAX_GIVEN_NAME = MAX_LENGTH["FileUploadInput.name"]
# Extensions longer than this are treated as part of the name.
MAX_EXTENSION = 20
NAME_SHORTENED = "NAME_SHORTENED"
NO_EXTENSION = "NO_EXTENSION"
MAX_TAG = MAX_LENGTH["tags"]
MAX_TAGS = 50
# RFC 9110 token characters; parameters (charset=…) are not kept.
CONTENT_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
GENERIC_TYPES = {"application/octet-stream", "binary/octet-stream", "application/x-www-form-urlencoded"}
# C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidi overrides, which can
# make a name display as something else (e.g. "invoice\u202Efdp.exe").
_UNWANTED = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


class EntityKind(enum.StrEnum):
    """What a file can belong to, named as the GraphQL type whose id names it."""

    CUSTOMER = "Customer"
    PROJECT = "Project"
    ACTIVITY = "Activity"
    TASK = "Task"

    @property
    def column(self) -> str:
        return f"{self.name.lower()}_id"


def owner_columns(kind: EntityKind, pk: int) -> dict[str, int | None]:
    """The File owner columns for an entity: exactly one is set (the table's one_owner check)."""
    return {k.column: (pk if k is kind else None) for k in EntityKind}


def owner_of(row) -> tuple[EntityKind, int]:
    """The entity a File row belongs to."""
    for kind in EntityKind:
        pk = getattr(row, kind.column)
        if pk is not None:
            return kind, pk
    raise ValueError(f"file {row.id} belongs to nothing")


def _plain_name(value: str) -> str:
    name = unicodedata.normalize("NFC", value)
    # A client's file name may carry a path ("C:\\Users\\kari\\offer.pdf", "../../etc/passwd"): keep the last part.
    name = re.split(r"[/\\]", name)[-1]
    name = _UNWANTED.sub("", name)
    return " ".join(name.split())


def split_extension(name: str) -> tuple[str, str]:
    """("report", ".pdf") for "report.pdf"; ("README", "") for a name without one (or a dot file)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or not extension or len(extension) > MAX_EXTENSION or " " in extension:
        return name, ""
    return stem, "." + extension


def has_extension(name: str) -> bool:
    return bool(split_extension(name)[1])


def shorten(name: str, limit: int, *, keep_extension: bool = True) -> str:
    """The name cut to `limit` characters, keeping a file's extension; never ending in a space or dot.
    Deterministic: the same name and limit always give the same result."""
    if len(name) <= limit:
        return name
    stem, extension = split_extension(name) if keep_extension else (name, "")
    if extension and len(extension) < limit:
        return (stem[: limit - len(extension)].strip(" .\t") or "_") + extension
    return name[:limit].strip(" .\t") or "_"


@dataclass(frozen=True)
class FileName:
    """A file's name as kept, and what the user should hear about it (the payload's `warnings`)."""

    value: str
    warnings: tuple[InputWarning, ...] = ()


def _kept_name(name: str, field: str) -> FileName:
    """The one place a name is shortened and warned about (SPEC §6): too long for SharePoint, shortened keeping
    its extension; no extension, accepted (SharePoint cannot tell the file's type or show it well)."""
    warnings = []
    if len(name) > MAX_NAME:
        name = shorten(name, MAX_NAME)
        warnings.append(InputWarning(
            NAME_SHORTENED, f"The name had more than {MAX_NAME} characters, SharePoint's limit: it was shortened "
            "(its extension kept).", field))
    if not has_extension(name):
        warnings.append(InputWarning(
            NO_EXTENSION, "The name has no extension (such as .pdf): the file is kept, but SharePoint cannot tell "
            "its type or show it well.", field))
    return FileName(name, tuple(warnings))


def clean_file_name(value: str | None, *, field: str = "name") -> FileName:
    """A name given by the user: path parts and control characters removed; refused when empty or longer than
    the API takes, shortened to MAX_NAME characters (with a warning) when longer than that."""
    name = _plain_name(value or "")
    if not name or name in {".", ".."}:
        raise InvalidInput("A file name is required.", field=field)
    if len(name) > MAX_GIVEN_NAME:
        raise InvalidInput(f"A file name has at most {MAX_GIVEN_NAME} characters.", field=field)
    return _kept_name(name, field)


def upload_file_name(value: str | None, *, field: str = "file") -> FileName:
    """The name an upload gets from its multipart filename: like clean_file_name, but never refused (the file is
    here already): an empty one becomes "unnamed", a long one is shortened keeping its extension."""
    name = _plain_name(value or "")
    return _kept_name(name if name and name not in {".", ".."} else "unnamed", field)


def clean_tags(values: Iterable[str] | None, *, field: str = "tags") -> list[str]:
    """Tags as given (trimmed, inner spaces collapsed), without case-insensitive repeats, in the order given."""
    tags: list[str] = []
    seen: set[str] = set()
    for i, value in enumerate(values or []):
        tag = " ".join(_UNWANTED.sub("", value or "").split())
        if not tag:
            raise InvalidInput("A tag cannot be empty.", field=f"{field}.{i}")
        if len(tag) > MAX_TAG:
            raise InvalidInput(f"A tag has at most {MAX_TAG} characters.", field=f"{field}.{i}")
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"A file has at most {MAX_TAGS} tags.", field=field)
    return tags


def content_type_of(declared: str | None, name: str) -> str:
    """The content type to store: the one the client declared when it is a valid `type/subtype`
    (parameters dropped), else one guessed from the name, else application/octet-stream."""
    declared_type = (declared or "").split(";")[0].strip().lower()
    if CONTENT_TYPE.fullmatch(declared_type) and len(declared_type) <= 255 and declared_type not in GENERIC_TYPES:
        return declared_type
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def effective_storage_location(
    customer_location: StorageLocation | None, project_storage: ProjectStorage | None
) -> StorageLocation:
    """Where an entity's files are stored (SPEC §5): the customer decides (CLOUD or SHAREPOINT); a project
    inherits it unless it is set back to CLOUD. Activities and tasks follow their project. Something with
    no customer (a task outside projects) stays in cloud storage."""
    if project_storage == ProjectStorage.CLOUD or customer_location is None:
        return StorageLocation.CLOUD
    return customer_location


def sharepoint_url(file) -> str | None:
    """Where a file's contents are once it is in SharePoint (its webUrl; its local copy goes): None until then, and
    the download route serves them (SPEC §6: SharePoint decides who may open it there)."""
    if file.transfer_state is FileTransferState.TRANSFERRED and file.sharepoint_web_url:
        return file.sharepoint_web_url
    return None
