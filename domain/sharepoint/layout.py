"""Where a file goes in SharePoint (SPEC §6): a library per customer, then project, activity, task folders.

Plain values in, plain values out. Each folder's name depends only on its own entity and its ancestors,
so every file of one task lands in the same folder, and a retried transfer aims at the same place.
The integration remembers each folder by its Graph id (FolderStep.graph_id), so renames keep the link.
"""
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from domain.sharepoint.names import MAX_PATH, UNNAMED, path_length, valid_name

# Room kept for each level that may still come below a folder (activity, task, file), so a deep
# path still fits in 400 characters without renaming the folders above it.
ROOM_PER_LEVEL = 48
_LEVELS = ("library", "project", "activity", "task", "file")


@dataclass(frozen=True)
class FolderStep:
    """One folder on the way to a file: which entity it stands for, its SharePoint name, its Graph id if known."""

    kind: str  # "project" | "activity" | "task" | "series"
    entity_id: int
    name: str
    graph_id: str | None = None


@dataclass(frozen=True)
class Placement:
    library: str
    folders: tuple[FolderStep, ...]
    file_name: str

    @property
    def path(self) -> str:
        return "/".join([self.library, *(step.name for step in self.folders), self.file_name])


@dataclass(frozen=True)
class ActivityRef:
    id: int
    name: str
    number: str | None = None


@dataclass(frozen=True)
class TaskRef:
    id: int
    number: int
    name: str
    # A recurring task: the series it belongs to, which owns the one shared folder.
    series_id: int | None = None
    series_name: str | None = None
    period_start: dt.date | None = None


@dataclass(frozen=True)
class ContentTypeValues:
    """The four content-type columns of SPEC §6, as Graph list-item fields."""

    activity: str | None = None
    year: int | None = None
    period: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)

    def as_fields(self, *, clear_missing: bool = False) -> dict[str, object]:
        """The columns with a value; with `clear_missing` the others too, as null (emptied)."""
        values: dict[str, object] = {"momentTags": "; ".join(self.tags)}
        if clear_missing:
            values.update(momentActivity=None, momentYear=None, momentPeriod=None)
        if self.activity is not None:
            values["momentActivity"] = self.activity
        if self.year is not None:
            values["momentYear"] = str(self.year)
        if self.period is not None:
            values["momentPeriod"] = self.period
        return values


def activity_folder_text(activity: ActivityRef) -> str:
    """ "<number> <name>", or "<name>" when the activity has no number."""
    number = (activity.number or "").strip()
    return f"{number} {activity.name}" if number else activity.name


def task_folder_text(task: TaskRef) -> str:
    """ "#<number> <name>"; a recurring task's shared folder is named with the task name only."""
    if task.series_id is not None:
        return task.series_name or task.name
    return f"#{task.number} {task.name}"


def _limit(level: str, used: int, site_path_length: int) -> int:
    below = len(_LEVELS) - 1 - _LEVELS.index(level)
    return MAX_PATH - site_path_length - used - 1 - ROOM_PER_LEVEL * below


def library_name(customer_name: str, *, site_path_length: int = 0) -> str:
    return valid_name(customer_name, limit=_limit("library", 0, site_path_length))


def customer_library_name(customer_name: str, customer_number: int, *, others: Iterable[tuple[int, str]] = (),
                          site_path_length: int = 0) -> str:
    """Each customer gets its own library (SPEC §6), named after the customer. `others` are the (number, name)
    of the company's other customers: when some of them would get the same library name, the one with the
    lowest number keeps it and the others get their number added ("Fjordkraft AS (10023)"), so two customers
    of one name never share a library. Deterministic: a rerun aims at the same library."""
    plain = library_name(customer_name, site_path_length=site_path_length)
    if not any(number < customer_number and library_name(name, site_path_length=site_path_length).casefold()
               == plain.casefold() for number, name in others):
        return plain
    suffix = f" ({customer_number})"
    return library_name(customer_name, site_path_length=site_path_length + len(suffix)) + suffix


def placement(
    customer_name: str,
    file_name: str,
    *,
    project: tuple[int, str] | None = None,
    activity: ActivityRef | None = None,
    task: TaskRef | None = None,
    known_ids: dict[tuple[str, int], str] | None = None,
    site_path_length: int = 0,
    library: str | None = None,
) -> Placement:
    """The library, folders and file name for a file of a customer, project, activity or task.

    `known_ids` maps (kind, entity id) to the Graph id already remembered for that folder.
    `site_path_length` is the length of the site's server-relative path, which counts towards 400.
    `library` is the customer's library name when it is not simply its name (customer_library_name).
    """
    if (activity or task) and project is None:
        raise ValueError("an activity or task folder sits inside a project folder")
    known = known_ids or {}
    library = library or library_name(customer_name, site_path_length=site_path_length)
    segments = [library]
    steps: list[FolderStep] = []

    def add(kind: str, level: str, entity_id: int, text: str, *, at_root: bool = False) -> None:
        name = valid_name(text, at_root=at_root, limit=_limit(level, path_length(segments), site_path_length))
        segments.append(name)
        steps.append(FolderStep(kind, entity_id, name, known.get((kind, entity_id))))

    if project is not None:
        add("project", "project", project[0], project[1], at_root=True)
    if activity is not None:
        add("activity", "activity", activity.id, activity_folder_text(activity))
    if task is not None:
        kind, entity_id = ("series", task.series_id) if task.series_id is not None else ("task", task.id)
        add(kind, "task", entity_id, task_folder_text(task))
    room = MAX_PATH - site_path_length - path_length(segments) - 1
    name = valid_name(file_name, is_file=True, limit=room)
    return Placement(library, tuple(steps), name if name else UNNAMED)


def content_type_values(
    *, activity: ActivityRef | None, task: TaskRef | None, tags: list[str] | tuple[str, ...]
) -> ContentTypeValues:
    """momentActivity is the activity's name; momentYear and momentPeriod ("MM/YYYY") come from a
    recurring task's period; momentTags lists the file's tags."""
    period_start = task.period_start if task is not None and task.series_id is not None else None
    return ContentTypeValues(
        activity=activity.name if activity is not None else None,
        year=period_start.year if period_start else None,
        period=f"{period_start.month:02d}/{period_start.year}" if period_start else None,
        tags=tuple(tags),
    )
