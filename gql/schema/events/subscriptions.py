"""Subscriptions (graphql-transport-ws at /graphql): project, time record and file changes from the event log."""
import base64
import binascii
import datetime as dt
from collections.abc import AsyncGenerator, Callable
from typing import Any

import strawberry
from strawberry import relay

from domain.events import log as domain_events
from domain.platform.errors import InvalidInput, NotFound, is_outage
from domain.events.log import EventFilter
from domain.model import Event, EventKind
from gql.http.websocket import ConnectionContext
from gql.context import Info
from gql.delivery import Fanout, stray_cancellation_is_a_fault
from gql.ids import decode_id, to_global_id
from gql.schema.common import RowNode
from gql.schema.files.types import File
from gql.schema.hours.types import TimeRecord
from gql.schema.companies.types import CoWorker
from gql.schema.projects.types import Activity, Milestone, Project

ProjectEventAction = strawberry.enum(domain_events.ProjectAction, name="ProjectEventAction")
TimeRecordEventAction = strawberry.enum(domain_events.TimeRecordAction, name="TimeRecordEventAction")
FileEventAction = strawberry.enum(domain_events.FileAction, name="FileEventAction")

SUBJECT_TYPES: dict[str, type[RowNode]] = {t.__name__: t for t in (Activity, Milestone, CoWorker)}
_CURSOR_PREFIX = "event:"


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{event_id}".encode()).decode()


def decode_cursor(value: str, *, field: str = "after") -> int:
    """The event id behind a cursor; INVALID_INPUT naming the field for anything that is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(value.encode()).decode() if len(value) <= 64 else ""
        number = int(text.removeprefix(_CURSOR_PREFIX)) if text.startswith(_CURSOR_PREFIX) else -1
    except (binascii.Error, UnicodeError, ValueError):
        number = -1
    if number < 0 or encode_cursor(number) != value:
        raise InvalidInput(f"'{value}' is not an event cursor.", field=field)
    return number


@strawberry.interface(description="One change from the event log. Events arrive in cursor order, each once.")
class ChangeEvent:
    cursor: str = strawberry.field(description="Subscribe again with `after: cursor` to resume right after this event.")
    occurred_at: dt.datetime = strawberry.field(description="When the change was committed.")
    node_id: strawberry.ID = strawberry.field(description="The global id of the changed object (also once deleted).")
    # The row the node was made of (the one that decided the event's visibility): the compiled rendering's root.
    node_row: strawberry.Private[Any] = None


def _common(row: Event, node: Any) -> dict[str, Any]:
    return dict(cursor=encode_cursor(row.id), occurred_at=row.occurred_at, node_row=node,
                node_id=strawberry.ID(to_global_id(_TYPE_NAMES[row.kind], row.node_id)))


@strawberry.type(description="A project, its members, activities or milestones changed; cascades to secondary "
                 "projects arrive as events of those projects.")
class ProjectEvent(ChangeEvent):
    action: ProjectEventAction
    node: Project | None = strawberry.field(
        description="The project as it is now; null when it is gone.")
    subject_id: strawberry.ID | None = strawberry.field(
        description="What the change was about when not the project itself: the activity, milestone or co-worker.")
    subject_type: strawberry.Private[str | None] = None
    subject_pk: strawberry.Private[int | None] = None

    @strawberry.field(description="The activity, milestone or co-worker (member) the change was about, as it is "
                      "now; null when it is gone or hidden from you.")
    async def subject(self, info: Info) -> relay.Node | None:
        subject_type = SUBJECT_TYPES.get(self.subject_type or "")
        return None if subject_type is None else await subject_type.load(info, self.subject_pk)

    @classmethod
    def of(cls, row: Event, node: Any) -> "ProjectEvent":
        subject_id = None if row.subject_id is None else strawberry.ID(to_global_id(row.subject_type, row.subject_id))
        return cls(**_common(row, node), action=domain_events.ProjectAction(row.action),
                   node=Project.from_optional(node), subject_id=subject_id, subject_type=row.subject_type,
                   subject_pk=row.subject_id)


@strawberry.type(description="A time record was registered, changed, deleted or approved (mirrors included).")
class TimeRecordEvent(ChangeEvent):
    action: TimeRecordEventAction
    node: TimeRecord | None = strawberry.field(description="The time record as it is now; null once deleted.")

    @classmethod
    def of(cls, row: Event, node: Any) -> "TimeRecordEvent":
        return cls(**_common(row, node), action=domain_events.TimeRecordAction(row.action),
                   node=TimeRecord.from_optional(node))


@strawberry.type(description="A file was uploaded, changed, deleted, transferred to SharePoint, failed to transfer, "
                 "or synced from SharePoint.")
class FileEvent(ChangeEvent):
    action: FileEventAction
    node: File | None = strawberry.field(description="The file as it is now; null once deleted.")

    @classmethod
    def of(cls, row: Event, node: Any) -> "FileEvent":
        return cls(**_common(row, node), action=domain_events.FileAction(row.action), node=File.from_optional(node))


_TYPE_NAMES = {EventKind.PROJECT: "Project", EventKind.TIME_RECORD: "TimeRecord", EventKind.FILE: "File"}


async def _filter_of(info: Info, kind: EventKind, company_id: strawberry.ID | None,
                     project_id: strawberry.ID | None) -> EventFilter:
    """The subscription's filter; a company or project you cannot see is NOT_FOUND, as everywhere."""
    loaders = info.context.loaders
    company_pk = project_pk = None
    if company_id is not None:
        company_pk = decode_id(company_id, "Company", field="companyId")
        if await loaders.company_by_id.load(company_pk) is None:
            raise NotFound("No such company.", field="companyId")
    if project_id is not None:
        project_pk = decode_id(project_id, "Project", field="projectId")
        if await loaders.project_by_id.load(project_pk) is None:
            raise NotFound("No such project.", field="projectId")
    return EventFilter(frozenset({kind}), company_id=company_pk, project_id=project_pk)


async def _events(info: Info, kind: EventKind, envelope: Callable[[Event, Any], Any], *, after: str | None,
                  company_id: strawberry.ID | None, project_id: strawberry.ID | None) -> AsyncGenerator[Any, None]:
    """Validates the arguments, opens the stream (errors here reach the client as the protocol's `error`),
    and returns the generator that delivers it."""
    context = info.context
    if not isinstance(context, ConnectionContext) or context.feed is None or context.delivery is None:
        raise InvalidInput("Subscriptions run over a WebSocket (graphql-transport-ws) at /graphql.")
    fanout = Fanout.of(context)  # (taken at once: this task's subscribing executor)
    only = await _filter_of(info, kind, company_id, project_id)
    cursor = None if after is None else decode_cursor(after)
    stream = await context.feed.subscribe(only, after=cursor)

    async def deliver() -> AsyncGenerator[Any, None]:
        try:
            with stray_cancellation_is_a_fault("delivering events"):
                while True:
                    batch = await stream.next_batch()
                    try:
                        viewer = await context.current_viewer()
                        loaders, visible = await context.delivery.visible(viewer, batch)
                    except Exception as error:
                        if not is_outage(error):
                            raise
                        await stream.retry(error)  # nothing of the batch was sent: it is read again from the cursor
                        continue
                    for event in context.delivery.envelopes(visible, envelope):
                        # The envelope's fields resolve through the loaders that decided its visibility.
                        context.loaders = loaders
                        # The group's rendering, serialised once, straight to the socket; or the general way.
                        if fanout is None or not await fanout.send(event):
                            yield event
        finally:
            stream.close()

    return deliver()


AFTER = "Resume after this cursor (an event's `cursor`, or `latestEventCursor`): what was missed is replayed first, " \
        "then live events follow, with no gap and no duplicate. Without it, events from now on."


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Changes to projects you may see (members, activities and milestones "
                             "included), optionally of one company or one project.")
    async def project_changed(
        self, info: Info, after: str | None = None, company_id: strawberry.ID | None = None,
        project_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[ProjectEvent, None]:
        return await _events(info, EventKind.PROJECT, ProjectEvent.of, after=after, company_id=company_id,
                             project_id=project_id)

    @strawberry.subscription(description="Changes to time records you may see (mirrors of partner hours included), "
                             "optionally of one company or one project.")
    async def time_record_changed(
        self, info: Info, after: str | None = None, company_id: strawberry.ID | None = None,
        project_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[TimeRecordEvent, None]:
        return await _events(info, EventKind.TIME_RECORD, TimeRecordEvent.of, after=after, company_id=company_id,
                             project_id=project_id)

    @strawberry.subscription(description="Changes to files you may see, optionally of one company or one project "
                             "(a project's files include those of its activities and tasks).")
    async def file_changed(
        self, info: Info, after: str | None = None, company_id: strawberry.ID | None = None,
        project_id: strawberry.ID | None = None,
    ) -> AsyncGenerator[FileEvent, None]:
        return await _events(info, EventKind.FILE, FileEvent.of, after=after, company_id=company_id,
                             project_id=project_id)


@strawberry.type
class EventQueries:
    @strawberry.field(description="The cursor of the newest event. To follow changes without missing any: read "
                      "this, read the data you need, then subscribe with `after:` this cursor.")
    async def latest_event_cursor(self, info: Info) -> str:
        async with info.context.db.read() as session:
            bounds = await domain_events.log_bounds(session)
        return encode_cursor(bounds.last_event_id)

