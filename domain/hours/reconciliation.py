"""Reconciling and repairing a main project's partner hours (SPEC §4): partnerHoursReconciliation and
partnerHoursResync.

Both read the whole family in a fixed number of statements (joins and GROUP BYs, never one per record):
the sources on the secondary projects with their mirrors, the main project's records that stand for no
source, each side's totals per partner company and person, and the people's names. The diff itself is
domain.hours.reconciliation_rules (pure). The repair writes through domain.hours.mirrors, the same functions the
hour services mirror with, in one transaction.

Who, from both sides (issue 19 item 4): asked about the main project, its managers (its company's admins, its
leader) reconcile and repair the whole family. Asked about a secondary project, its managers (the partner
company's admins, the secondary's leader) reconcile that partner's side only: the secondary's records against
their mirrors and its people's hours on the main project, as domain.hours.reconciliation_rules.as_seen_by_partner
shows them; their repair rewrites only the mirrors of that secondary's records (and deletes orphan mirrors of its
people), through the same code.
"""
import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from sqlalchemy import ColumnElement, Numeric, and_, func, or_, select, true, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from domain.hours import mirrors as hour_mirrors
from domain.platform.db import Database
from domain.platform.errors import InvalidInput, Locked
from domain.hours.reconciliation_rules import (
    Discrepancy,
    DiscrepancyKind,
    Mirror,
    Person,
    Reconciliation,
    SideTotal,
    Source,
    as_seen_by_partner,
    compare,
    orphan,
    reconciliation,
)
from domain.model import Activity, CoWorker, Project, TimeRecord, User
from domain.access.viewer import Viewer
from domain.projects.service import load_project_to_manage

MAX_PERIOD_DAYS = 366 * 5


# --- pure rules ---------------------------------------------------------------


def check_period(date_from: dt.date, date_to: dt.date) -> None:
    if date_from > date_to:
        raise InvalidInput("The period ends before it starts.", field="to")
    if (date_to - date_from).days > MAX_PERIOD_DAYS:
        raise InvalidInput("A reconciliation covers at most five years.", field="to")


# --- reading the family -------------------------------------------------------


def _in_period(date_column, date_from: dt.date | None, date_to: dt.date | None) -> ColumnElement[bool]:
    conditions = [*([date_column >= date_from] if date_from else []), *([date_column <= date_to] if date_to else [])]
    return and_(true(), *conditions)


@dataclass(frozen=True)
class Scope:
    """What one reconciliation covers: a main project's whole family, or one partner company's side of it."""

    main: Project
    partner_company_id: int | None = None  # asked about a secondary project: its company
    secondary_project_id: int | None = None

    def secondaries(self, project=Project) -> ColumnElement[bool]:
        """The clause for the secondary projects covered (`project`: the Project alias in the query)."""
        if self.partner_company_id is None:
            return project.main_project_id == self.main.id
        return and_(project.main_project_id == self.main.id, project.company_id == self.partner_company_id)


def _secondary_ids(scope: Scope):
    return select(Project.id).where(scope.secondaries())


def _partner_company_ids(scope: Scope):
    return select(Project.company_id).where(scope.secondaries())


async def _pairs(session: AsyncSession, scope: Scope, date_from, date_to) -> list[tuple[Source, Mirror | None]]:
    """Every source on the secondaries with its mirror, when either is dated in the period."""
    main = scope.main
    source, mirror = aliased(TimeRecord, name="source"), aliased(TimeRecord, name="mirror")
    secondary, home, external = aliased(Project, name="secondary"), aliased(CoWorker, name="home"), aliased(CoWorker)
    copied, original = aliased(Activity, name="copied"), aliased(Activity, name="original")
    query = (
        select(source.id, secondary.company_id, home.user_id, source.date, source.hours, source.description,
               source.status, original.id, external.id,
               mirror.id, mirror.source_record_id, mirror.activity_id, mirror.co_worker_id, mirror.date,
               mirror.hours, mirror.description, mirror.status)
        .select_from(source)
        .join(secondary, secondary.id == source.project_id)
        .join(home, home.id == source.co_worker_id)
        .join(copied, copied.id == source.activity_id)
        .outerjoin(original, and_(original.id == copied.source_activity_id, original.project_id == main.id))
        .outerjoin(external, and_(external.company_id == main.company_id, external.user_id == home.user_id))
        .outerjoin(mirror, mirror.source_record_id == source.id)
        .where(scope.secondaries(secondary),
               or_(_in_period(source.date, date_from, date_to), _in_period(mirror.date, date_from, date_to)))
        .order_by(source.id)
    )
    pairs = []
    for row in await session.execute(query):
        found = Source(*row[:9])
        pairs.append((found, None if row[9] is None else Mirror(*row[9:])))
    return pairs


async def _orphans(session: AsyncSession, scope: Scope, date_from, date_to) -> list[tuple[Mirror, int, int]]:
    """Records on the main project that stand for no source of its secondaries: linked to a source elsewhere,
    or a partner co-worker's hours with no source at all. With (partner company, user) of each. A partner's
    side takes those of its own people only."""
    main = scope.main
    owner = aliased(CoWorker)
    whole_family = Scope(main)
    on_secondaries = select(TimeRecord.id).where(TimeRecord.project_id.in_(_secondary_ids(whole_family)))
    own_people = true() if scope.partner_company_id is None else owner.home_company_id == scope.partner_company_id
    query = (
        select(TimeRecord.id, TimeRecord.source_record_id, TimeRecord.activity_id, TimeRecord.co_worker_id,
               TimeRecord.date, TimeRecord.hours, TimeRecord.description, TimeRecord.status,
               owner.home_company_id, owner.user_id)
        .join(owner, owner.id == TimeRecord.co_worker_id)
        .where(
            TimeRecord.project_id == main.id, _in_period(TimeRecord.date, date_from, date_to), own_people,
            or_(
                and_(TimeRecord.source_record_id.is_not(None), TimeRecord.source_record_id.not_in(on_secondaries)),
                and_(TimeRecord.source_record_id.is_(None), owner.home_company_id != owner.company_id,
                     owner.home_company_id.in_(_partner_company_ids(whole_family))),
            ),
        )
        .order_by(TimeRecord.id)
    )
    return [(Mirror(*row[:8]), row[8], row[9]) for row in await session.execute(query)]


def _hours_sum():
    return type_coerce(func.sum(TimeRecord.hours), Numeric(14, 2))


async def _totals(session: AsyncSession, scope: Scope, date_from, date_to) -> tuple[list[SideTotal], list[SideTotal]]:
    """Each side's hours per partner company and person: the partner co-workers' records on the main project,
    and the records on the secondaries."""
    main = scope.main
    owner = aliased(CoWorker)
    main_side = (
        select(owner.home_company_id, owner.user_id, _hours_sum())
        .join(owner, owner.id == TimeRecord.co_worker_id)
        .where(TimeRecord.project_id == main.id, _in_period(TimeRecord.date, date_from, date_to),
               owner.home_company_id != owner.company_id, owner.home_company_id.in_(_partner_company_ids(scope)))
        .group_by(owner.home_company_id, owner.user_id)
    )
    secondary = aliased(Project)
    secondary_side = (
        select(secondary.company_id, owner.user_id, _hours_sum())
        .join(secondary, secondary.id == TimeRecord.project_id)
        .join(owner, owner.id == TimeRecord.co_worker_id)
        .where(scope.secondaries(secondary), _in_period(TimeRecord.date, date_from, date_to))
        .group_by(secondary.company_id, owner.user_id)
    )
    return (
        [SideTotal(*row) for row in await session.execute(main_side)],
        [SideTotal(*row) for row in await session.execute(secondary_side)],
    )


async def _people(session: AsyncSession, main: Project, user_ids: Iterable[int]) -> dict[int, Person]:
    user_ids = set(user_ids)
    if not user_ids:
        return {}
    query = (
        select(User.id, User.name, CoWorker.id)
        .outerjoin(CoWorker, and_(CoWorker.user_id == User.id, CoWorker.company_id == main.company_id))
        .where(User.id.in_(user_ids))
    )
    return {user_id: Person(name, co_worker_id) for user_id, name, co_worker_id in await session.execute(query)}


async def _scope(session: AsyncSession, viewer: Viewer, project_id: int) -> Scope:
    """The project's managers reconcile it: a main project's family, or a secondary project's side of it."""
    project = await load_project_to_manage(session, viewer, project_id, field="projectId")
    if project.main_project_id is None:
        return Scope(project)
    # The partner cannot see the main project; it is read here only to compare its own records with their mirrors.
    main = await session.get(Project, project.main_project_id)
    assert main is not None
    return Scope(main, partner_company_id=project.company_id, secondary_project_id=project.id)


@dataclass(frozen=True)
class _Found:
    reconciliation: Reconciliation
    sources: dict[int, Source]
    orphans: list[tuple[Mirror, int, int]]


async def _reconcile(session: AsyncSession, scope: Scope, date_from, date_to) -> _Found:
    main = scope.main
    pairs = await _pairs(session, scope, date_from, date_to)
    orphans = await _orphans(session, scope, date_from, date_to)
    discrepancies = [d for source, mirror in pairs for d in compare(source, mirror)]
    discrepancies += [orphan(mirror, partner_company_id=company, user_id=user) for mirror, company, user in orphans]
    main_totals, secondary_totals = await _totals(session, scope, date_from, date_to)
    users = [t.user_id for t in main_totals + secondary_totals] + [d.user_id for d in discrepancies]
    found = reconciliation(main.id, date_from, date_to, main_totals=main_totals, secondary_totals=secondary_totals,
                           discrepancies=discrepancies, people=await _people(session, main, users))
    if scope.secondary_project_id is not None:
        found = as_seen_by_partner(found, scope.secondary_project_id)
    return _Found(found, {source.id: source for source, _ in pairs}, orphans)


# --- use cases ---------------------------------------------------------------


async def reconcile_partner_hours(db: Database, viewer: Viewer, project_id: int, date_from: dt.date,
                                  date_to: dt.date) -> Reconciliation:
    """A main project's partner hours over a period, side by side, with every discrepancy (asked about a secondary
    project: that partner's side)."""
    check_period(date_from, date_to)
    async with db.read() as session:
        found = await _reconcile(session, await _scope(session, viewer, project_id), date_from, date_to)
    return found.reconciliation


class ResyncAction(enum.StrEnum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    DELETED = "DELETED"


class NotRepairedReason(enum.StrEnum):
    LOCKED = "LOCKED"  # the source or the mirror is approved or invoiced
    MIRROR_TARGET_MISSING = "MIRROR_TARGET_MISSING"  # no main activity or no co-worker record for the mirror
    NO_SOURCE = "NO_SOURCE"  # a partner co-worker's hours on the main project that copy nothing: never deleted


@dataclass(frozen=True)
class NotRepaired:
    discrepancy: Discrepancy
    reason: NotRepairedReason


@dataclass(frozen=True)
class MirrorChange:
    action: ResyncAction
    mirror_id: int
    source_id: int | None
    repaired: tuple[DiscrepancyKind, ...]


@dataclass
class Resync:
    main_project_id: int
    project_id: int  # the project asked about: the main project, or the partner's secondary
    reconciliation: Reconciliation  # what the repair found (over all dates)
    changes: list[MirrorChange] = field(default_factory=list)
    not_repaired: list[NotRepaired] = field(default_factory=list)
    # Created and updated mirrors, by id; none for a partner company's repair (the rows are the main company's).
    mirror_rows: dict[int, TimeRecord] = field(default_factory=dict)


async def _lock_sources(session: AsyncSession, scope: Scope) -> None:
    """Locks the family's source rows (PostgreSQL; SQLite serialises writers already) in id order, as a source's
    own update does before touching its mirror: no source changes while the repair reads and rewrites its pair,
    and the lock order (source, then mirror) is the hour services' own, so the two cannot deadlock.
    (The partner's records on the main project that copy no source are only reported, never written.)"""
    await session.execute(
        select(TimeRecord.id).where(TimeRecord.project_id.in_(_secondary_ids(scope)))
        .order_by(TimeRecord.id).with_for_update()
    )


async def resync_partner_hours(db: Database, viewer: Viewer, project_id: int) -> Resync:
    """Re-synchronises every mirror of the main project from its source, in one transaction: creates missing
    mirrors, rewrites differing ones, deletes orphan mirrors, and leaves locked pairs and hours that copy no
    source as they are (reported). Asked about a secondary project: only that partner's records' mirrors (and
    the orphan mirrors of its people)."""
    async with db.transaction() as session:
        scope = await _scope(session, viewer, project_id)
        await _lock_sources(session, scope)
        found = await _reconcile(session, scope, None, None)
        result = Resync(scope.main.id, project_id, found.reconciliation)
        by_source: dict[int, list[Discrepancy]] = {}
        for d in found.reconciliation.discrepancies:
            if d.locked:
                result.not_repaired.append(NotRepaired(d, NotRepairedReason.LOCKED))
            elif d.kind == DiscrepancyKind.ORPHAN_MIRROR:
                continue
            elif not found.sources[d.source_id].has_mirror_target:
                result.not_repaired.append(NotRepaired(d, NotRepairedReason.MIRROR_TARGET_MISSING))
            else:
                by_source.setdefault(d.source_id, []).append(d)
        sources = {
            s.id: s for s in await session.scalars(select(TimeRecord).where(TimeRecord.id.in_(list(by_source))))
        } if by_source else {}
        for source_id, repairs in by_source.items():
            try:
                mirror = await hour_mirrors.write_mirror(session, sources[source_id])
            except Locked:
                # The main company approved the mirror after the diff was read (its rows are not locked here):
                # write_mirror refused before writing anything, so the pair is reported like any locked one.
                result.not_repaired += [NotRepaired(replace(d, locked=True), NotRepairedReason.LOCKED) for d in repairs]
                continue
            await session.flush()
            action = ResyncAction.CREATED if repairs[0].kind == DiscrepancyKind.MISSING_MIRROR else ResyncAction.UPDATED
            result.changes.append(MirrorChange(action, mirror.id, source_id, tuple(d.kind for d in repairs)))
            if scope.partner_company_id is None:
                result.mirror_rows[mirror.id] = mirror
        for row, company, user in found.orphans:
            if hour_mirrors.is_locked(row.status):
                continue
            if row.source_record_id is None:
                # Registered on the main project itself (e.g. before the secondary existed): they are the only
                # copy of those hours, so the repair reports them instead of deleting them.
                discrepancy = orphan(row, partner_company_id=company, user_id=user)
                result.not_repaired.append(NotRepaired(discrepancy, NotRepairedReason.NO_SOURCE))
                continue
            await hour_mirrors.remove_mirror(session, row.source_record_id)
            result.changes.append(MirrorChange(ResyncAction.DELETED, row.id, row.source_record_id,
                                               (DiscrepancyKind.ORPHAN_MIRROR,)))
    return result
