"""partnerHoursReconciliation and partnerHoursResync (SPEC §4): a main project's partner hours, both sides; asked
about a secondary project, that partner company's side of it."""
import datetime as dt
from decimal import Decimal
from typing import Annotated

import strawberry

from domain.hours import reconciliation_rules as rules
from domain.hours import reconciliation as service
from gql.context import Info
from gql.ids import decode_id, to_global_id
from gql.resolvers.mutation import payload
from gql.schema.common import UserError
from gql.schema.hours.types import TimeRecord
from gql.schema.companies.types import Company, CoWorker
from gql.schema.projects.types import Project

PartnerHoursDiscrepancyKind = strawberry.enum(rules.DiscrepancyKind, description=(
    "MISSING_MIRROR: hours on a secondary project with no mirror on the main project. ORPHAN_MIRROR: hours on "
    "the main project that stand for no hours of its secondaries (linked to hours elsewhere, or a partner "
    "co-worker's hours with no source). HOURS_DIFFER, DATE_DIFFER, DESCRIPTION_DIFFER: the mirror's value is not "
    "the source's. ACTIVITY_DIFFER: the mirror is not on the main activity the source's activity was copied from "
    "(or not on the main project). CO_WORKER_DIFFER: the mirror belongs to someone else than the person's "
    "external co-worker record."))
PartnerMirrorAction = strawberry.enum(service.ResyncAction, name="PartnerMirrorAction")
NotRepairedReason = strawberry.enum(service.NotRepairedReason, name="PartnerHoursNotRepairedReason", description=(
    "LOCKED: the source or its mirror is approved or invoiced. MIRROR_TARGET_MISSING: the main project has no "
    "activity the source's activity was copied from, or the person has no co-worker record in the main company. "
    "NO_SOURCE: a partner co-worker's hours registered on the main project itself; they copy nothing and are "
    "the only record of those hours, so they are never deleted."))


def _record_id(pk: int | None) -> strawberry.ID | None:
    return None if pk is None else strawberry.ID(to_global_id("TimeRecord", pk))


@strawberry.type(description="One way a source on a secondary project and its mirror on the main project disagree.")
class PartnerHoursDiscrepancy:
    kind: PartnerHoursDiscrepancyKind
    locked: bool = strawberry.field(description="The source or the mirror is approved or invoiced: a resync leaves "
                                    "it as it is.")
    source_record_id: strawberry.ID | None = strawberry.field(description="The hours in the partner company (a node "
                                                              "of that company: you may not be able to read it).")
    mirror_record_id: strawberry.ID | None
    source_value: str | None = strawberry.field(description="What the mirror should hold (hours, a date, an "
                                                "activity or co-worker id number, a description). Null for "
                                                "ACTIVITY_DIFFER and CO_WORKER_DIFFER in a partner company's view.")
    mirror_value: str | None = strawberry.field(description="What the mirror holds.")
    partner_company_id: strawberry.Private[int]
    co_worker_id: strawberry.Private[int | None]
    mirror_pk: strawberry.Private[int | None]

    @classmethod
    def of(cls, d: rules.Discrepancy, co_worker_id: int | None) -> "PartnerHoursDiscrepancy":
        return cls(kind=d.kind, locked=d.locked, source_record_id=_record_id(d.source_id),
                   mirror_record_id=_record_id(d.mirror_id), source_value=d.source_value, mirror_value=d.mirror_value,
                   partner_company_id=d.partner_company_id, co_worker_id=co_worker_id, mirror_pk=d.mirror_id)

    @strawberry.field(description="The mirror on the main project, when there is one.")
    async def mirror(self, info: Info) -> TimeRecord | None:
        return await TimeRecord.load(info, self.mirror_pk)

    @strawberry.field
    async def partner_company(self, info: Info) -> Company | None:
        return await Company.load(info, self.partner_company_id)

    @strawberry.field(description="The person's external co-worker record in the main company.")
    async def co_worker(self, info: Info) -> CoWorker | None:
        return await CoWorker.load(info, self.co_worker_id)


@strawberry.type(description="One partner co-worker's hours in the period: on the main project against their home "
                 "company's secondary project.")
class PartnerCoWorkerHours:
    name: str
    main_hours: Decimal
    secondary_hours: Decimal
    balanced: bool
    discrepancies: list[PartnerHoursDiscrepancy]
    partner_company_id: strawberry.Private[int]
    co_worker_id: strawberry.Private[int | None]

    @strawberry.field(description="Main hours less secondary hours.")
    def difference(self) -> Decimal:
        return self.main_hours - self.secondary_hours

    @strawberry.field
    async def partner_company(self, info: Info) -> Company | None:
        return await Company.load(info, self.partner_company_id)

    @strawberry.field(description="Their external co-worker record in the main company.")
    async def co_worker(self, info: Info) -> CoWorker | None:
        return await CoWorker.load(info, self.co_worker_id)


def _discrepancies(found: rules.Reconciliation, items) -> list[PartnerHoursDiscrepancy]:
    people = {(p.partner_company_id, p.user_id): p.co_worker_id for p in found.people}
    return [PartnerHoursDiscrepancy.of(d, people.get((d.partner_company_id, d.user_id))) for d in items]


@strawberry.type(description="A main project's partner hours over a period, per partner company and co-worker.")
class PartnerHoursReconciliation:
    from_: dt.date = strawberry.field(name="from")
    to: dt.date
    balanced: bool = strawberry.field(description="No discrepancy, and every co-worker's hours are equal on both "
                                      "sides.")
    main_hours: Decimal
    secondary_hours: Decimal
    co_workers: list[PartnerCoWorkerHours]
    discrepancies: list[PartnerHoursDiscrepancy]
    project_id: strawberry.Private[int]

    @classmethod
    def of(cls, found: rules.Reconciliation) -> "PartnerHoursReconciliation":
        return cls(
            from_=found.date_from, to=found.date_to, balanced=found.balanced, main_hours=found.main_hours,
            secondary_hours=found.secondary_hours, project_id=found.project_id or found.main_project_id,
            discrepancies=_discrepancies(found, found.discrepancies),
            co_workers=[
                PartnerCoWorkerHours(name=p.name, main_hours=p.main_hours, secondary_hours=p.secondary_hours,
                                     balanced=p.balanced, discrepancies=_discrepancies(found, p.discrepancies),
                                     partner_company_id=p.partner_company_id, co_worker_id=p.co_worker_id)
                for p in found.people
            ],
        )

    @strawberry.field(description="The project asked about: the main project, or your secondary project of it.")
    async def project(self, info: Info) -> Project | None:
        return await Project.load(info, self.project_id)


@strawberry.type
class ReconciliationQueries:
    @strawberry.field(description="A main project's partner hours from `from` to `to` (inclusive), per partner "
                      "company and co-worker, with every discrepancy between the secondaries' hours and their mirrors. "
                      "For the main project's admins and leader. Given a secondary project, its company's side only "
                      "(its records against their mirrors, its people's hours on the main project), for the "
                      "secondary's admins and leader, without the main company's activity and co-worker records.")
    async def partner_hours_reconciliation(
        self, info: Info, project_id: strawberry.ID, from_: Annotated[dt.date, strawberry.argument(name="from")],
        to: dt.date,
    ) -> PartnerHoursReconciliation:
        found = await service.reconcile_partner_hours(
            info.context.db, info.context.viewer, decode_id(project_id, "Project", field="projectId"), from_, to)
        return PartnerHoursReconciliation.of(found)


# --- the repair --------------------------------------------------------------------


@strawberry.input
class PartnerHoursResyncInput:
    project_id: strawberry.ID = strawberry.field(description="The main project, or (a partner company) its "
                                                 "secondary project: then only that secondary's records' mirrors.")


@strawberry.type(description="A mirror the resync created, rewrote or deleted, and what it repaired.")
class PartnerMirrorChange:
    action: PartnerMirrorAction
    mirror_record_id: strawberry.ID
    source_record_id: strawberry.ID | None
    repaired: list[PartnerHoursDiscrepancyKind]
    mirror: TimeRecord | None = strawberry.field(description="The mirror as it is now (null once deleted).")


@strawberry.type(description="A discrepancy the resync could not repair, and why.")
class PartnerHoursNotRepaired:
    reason: NotRepairedReason
    discrepancy: PartnerHoursDiscrepancy


@strawberry.type
class PartnerHoursResyncPayload:
    user_errors: list[UserError]
    project: Project | None = None
    changes: list[PartnerMirrorChange] = strawberry.field(default_factory=list)
    not_repaired: list[PartnerHoursNotRepaired] = strawberry.field(default_factory=list)


def _change(change: service.MirrorChange, result: service.Resync) -> PartnerMirrorChange:
    row = result.mirror_rows.get(change.mirror_id) if change.action != service.ResyncAction.DELETED else None
    return PartnerMirrorChange(
        action=change.action, mirror_record_id=_record_id(change.mirror_id),
        source_record_id=_record_id(change.source_id), repaired=list(change.repaired),
        mirror=TimeRecord.from_optional(row),
    )


@strawberry.type
class ReconciliationMutations:
    @strawberry.mutation(description="Rewrites every mirror of a main project from its source, in one transaction: "
                         "missing mirrors are created, differing ones rewritten, orphan mirrors deleted; locked "
                         "pairs (approved or invoiced) and partner hours that copy no source are left as they are "
                         "and reported. For the main project's admins and leader; for a secondary project's admins "
                         "and leader, the mirrors of that secondary's records (and orphan mirrors of its people).")
    async def partner_hours_resync(self, info: Info, input: PartnerHoursResyncInput) -> PartnerHoursResyncPayload:
        async def call():
            project_id = decode_id(input.project_id, "Project", field="projectId")
            result = await service.resync_partner_hours(info.context.db, info.context.viewer, project_id)
            return {
                "project": await Project.load(info, result.project_id),
                "changes": [_change(change, result) for change in result.changes],
                "not_repaired": [
                    PartnerHoursNotRepaired(reason=n.reason, discrepancy=discrepancy)
                    for n, discrepancy in zip(result.not_repaired, _discrepancies(
                        result.reconciliation, [n.discrepancy for n in result.not_repaired]), strict=True)
                ],
            }

        return await payload(PartnerHoursResyncPayload, call)
