"""timeRecordCreate, timeRecordUpdate, timeRecordDelete, timeRecordsApprove, timeRecordsSetStatus."""
import datetime as dt
from decimal import Decimal

import strawberry

from domain.platform.errors import DomainError, DomainErrors
from domain.hours import statuses as hour_statuses
from domain.hours import records as service
from gql.context import Info
from gql.ids import decode_id, to_global_id
from gql.resolvers.mutation import decode_optional_id, given, payload
from gql.schema.common import UserError
from gql.schema.hours.types import HourStatus, TimeRecord


@strawberry.input(description="Your own hours; admins and the project's leader may give another member's `coWorkerId`.")
class TimeRecordCreateInput:
    project_id: strawberry.ID
    activity_id: strawberry.ID
    date: dt.date
    hours: Decimal = strawberry.field(description="More than 0, at most two decimals; a day holds at most 24.")
    description: str | None = None
    co_worker_id: strawberry.ID | None = None


@strawberry.input(description="Only the fields given are changed; approved and invoiced hours are LOCKED.")
class TimeRecordUpdateInput:
    id: strawberry.ID
    activity_id: strawberry.ID | None = strawberry.UNSET
    date: dt.date | None = strawberry.UNSET
    hours: Decimal | None = strawberry.UNSET
    description: str | None = strawberry.UNSET


@strawberry.input
class TimeRecordDeleteInput:
    id: strawberry.ID


@strawberry.input(description="At most 100 ids; either all are approved or none (errors name `ids.<index>`).")
class TimeRecordsApproveInput:
    ids: list[strawberry.ID]


@strawberry.input(description="At most 100 ids; either all change or none (errors name `ids.<index>`).")
class TimeRecordsSetStatusInput:
    ids: list[strawberry.ID]
    status: HourStatus


@strawberry.type
class TimeRecordsSetStatusPayload:
    user_errors: list[UserError]
    time_records: list[TimeRecord] = strawberry.field(default_factory=list)


@strawberry.type
class TimeRecordCreatePayload:
    user_errors: list[UserError]
    time_record: TimeRecord | None = None


@strawberry.type
class TimeRecordUpdatePayload:
    user_errors: list[UserError]
    time_record: TimeRecord | None = None


@strawberry.type
class TimeRecordDeletePayload:
    user_errors: list[UserError]
    deleted_id: strawberry.ID | None = None


@strawberry.type
class TimeRecordsApprovePayload:
    user_errors: list[UserError]
    time_records: list[TimeRecord] = strawberry.field(default_factory=list)


def decode_all(ids: list[strawberry.ID], type_name: str = "TimeRecord") -> list[int]:
    """Every id decoded, or every malformed one reported by its index."""
    decoded, errors = [], []
    for index, value in enumerate(ids):
        try:
            decoded.append(decode_id(value, type_name, field=f"ids.{index}"))
        except DomainError as error:
            errors.append(error)
    if errors:
        raise DomainErrors(errors)
    return decoded


@strawberry.type
class TimeRecordMutations:
    @strawberry.mutation
    async def time_record_create(self, info: Info, input: TimeRecordCreateInput) -> TimeRecordCreatePayload:
        async def call():
            draft = service.TimeRecordDraft(
                project_id=decode_id(input.project_id, "Project", field="projectId"),
                activity_id=decode_id(input.activity_id, "Activity", field="activityId"),
                co_worker_id=decode_optional_id(input.co_worker_id, "CoWorker", field="coWorkerId"),
                date=input.date, hours=input.hours, description=input.description,
            )
            row = await service.create_time_record(info.context.db, info.context.viewer, draft)
            return {"time_record": TimeRecord.from_row(row)}

        return await payload(TimeRecordCreatePayload, call)

    @strawberry.mutation
    async def time_record_update(self, info: Info, input: TimeRecordUpdateInput) -> TimeRecordUpdatePayload:
        async def call():
            record_id = decode_id(input.id, "TimeRecord", field="id")
            changes = given(input, "activity_id", "date", "hours", "description")
            if "activity_id" in changes:
                changes["activity_id"] = decode_optional_id(changes["activity_id"], "Activity", field="activityId")
            row = await service.update_time_record(info.context.db, info.context.viewer, record_id, changes)
            return {"time_record": TimeRecord.from_row(row)}

        return await payload(TimeRecordUpdatePayload, call)

    @strawberry.mutation
    async def time_record_delete(self, info: Info, input: TimeRecordDeleteInput) -> TimeRecordDeletePayload:
        async def call():
            record_id = decode_id(input.id, "TimeRecord", field="id")
            deleted = await service.delete_time_record(info.context.db, info.context.viewer, record_id)
            return {"deleted_id": strawberry.ID(to_global_id("TimeRecord", deleted))}

        return await payload(TimeRecordDeletePayload, call)

    @strawberry.mutation(description="Admins, or the leader of each record's project: sets the records APPROVED "
                         "(invoiced ones are LOCKED). The same change as timeRecordsSetStatus with APPROVED, except "
                         "that it never takes invoiced records back.")
    async def time_records_approve(self, info: Info, input: TimeRecordsApproveInput) -> TimeRecordsApprovePayload:
        async def call():
            hour_statuses.check_id_count(input.ids)
            rows = await hour_statuses.approve_time_records(info.context.db, info.context.viewer, decode_all(input.ids))
            return {"time_records": [TimeRecord.from_row(row) for row in rows]}

        return await payload(TimeRecordsApprovePayload, call)

    @strawberry.mutation(description="Admins, or the leader of each record's project: approve (APPROVED), un-approve "
                         "(NOT_APPROVED) or invoice (INVOICED, approved records only); only admins take INVOICED back "
                         "to APPROVED. Each company sets its own records: a mirror and its source change separately.")
    async def time_records_set_status(self, info: Info, input: TimeRecordsSetStatusInput) -> TimeRecordsSetStatusPayload:
        async def call():
            hour_statuses.check_id_count(input.ids)
            rows = await hour_statuses.set_time_record_statuses(
                info.context.db, info.context.viewer, decode_all(input.ids), input.status)
            return {"time_records": [TimeRecord.from_row(row) for row in rows]}

        return await payload(TimeRecordsSetStatusPayload, call)
