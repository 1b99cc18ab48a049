"""Reconciling partner hours (SPEC §4), as pure decisions: how a source on a secondary project and its mirror on
the main project disagree, which disagreements are locked, and whether a main project balances.

A source is "hours a partner's co-worker registered at home, on the secondary project". Its mirror should be on
the main project, on the main activity the source's activity was copied from, by the same person's external
co-worker record in the main company, with the source's date, hours and description. Statuses are each
company's own (approval and invoicing happen on each side separately), so they never count as a difference;
they decide only whether a pair is locked.
"""
import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from domain.hours.mirrors import is_locked, pair_locked
from domain.model import HourStatus


class DiscrepancyKind(enum.StrEnum):
    MISSING_MIRROR = "MISSING_MIRROR"  # a source with no mirror
    ORPHAN_MIRROR = "ORPHAN_MIRROR"  # hours on the main project standing for no source of its secondaries
    HOURS_DIFFER = "HOURS_DIFFER"
    DATE_DIFFER = "DATE_DIFFER"
    ACTIVITY_DIFFER = "ACTIVITY_DIFFER"  # also a mirror on another project: its activity is not the main one
    CO_WORKER_DIFFER = "CO_WORKER_DIFFER"  # the mirror belongs to someone else than the source's person
    DESCRIPTION_DIFFER = "DESCRIPTION_DIFFER"


@dataclass(frozen=True)
class Source:
    """Hours on a secondary project, with what their mirror should hold."""

    id: int
    partner_company_id: int
    user_id: int
    date: dt.date
    hours: Decimal
    description: str | None
    status: HourStatus
    mirror_activity_id: int | None  # the main project's activity the source's activity was copied from
    mirror_co_worker_id: int | None  # the person's external co-worker record in the main company

    @property
    def has_mirror_target(self) -> bool:
        """Whether the main project has a place for its mirror (domain.hours.mirrors.mirror_target would find one)."""
        return self.mirror_activity_id is not None and self.mirror_co_worker_id is not None


@dataclass(frozen=True)
class Mirror:
    """A record on (or linked to) the main project."""

    id: int
    source_record_id: int | None
    activity_id: int
    co_worker_id: int
    date: dt.date
    hours: Decimal
    description: str | None
    status: HourStatus


@dataclass(frozen=True)
class Discrepancy:
    kind: DiscrepancyKind
    partner_company_id: int
    user_id: int
    source_id: int | None
    mirror_id: int | None
    source_value: str | None
    mirror_value: str | None
    locked: bool  # either side approved or invoiced: a resync leaves it as it is


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return str(value)


def compare(source: Source, mirror: Mirror | None) -> list[Discrepancy]:
    """How a source's mirror (None: it has none) differs from what it should be; empty when identical.

    A missing mirror is never locked: making it edits nothing of an approved source (domain.hours.mirrors).
    """
    locked = mirror is not None and pair_locked(source.status, mirror.status)

    def found(kind: DiscrepancyKind, source_value=None, mirror_value=None) -> Discrepancy:
        return Discrepancy(kind, source.partner_company_id, source.user_id, source.id, mirror.id if mirror else None,
                           _text(source_value), _text(mirror_value), locked)

    if mirror is None:
        return [found(DiscrepancyKind.MISSING_MIRROR, source.hours)]
    checks = [
        (DiscrepancyKind.HOURS_DIFFER, source.hours, mirror.hours),
        (DiscrepancyKind.DATE_DIFFER, source.date, mirror.date),
        (DiscrepancyKind.ACTIVITY_DIFFER, source.mirror_activity_id, mirror.activity_id),
        (DiscrepancyKind.CO_WORKER_DIFFER, source.mirror_co_worker_id, mirror.co_worker_id),
        (DiscrepancyKind.DESCRIPTION_DIFFER, source.description, mirror.description),
    ]
    return [found(kind, expected, actual) for kind, expected, actual in checks if expected != actual]


def orphan(mirror: Mirror, *, partner_company_id: int, user_id: int) -> Discrepancy:
    return Discrepancy(DiscrepancyKind.ORPHAN_MIRROR, partner_company_id, user_id, mirror.source_record_id, mirror.id,
                       None, _text(mirror.hours), is_locked(mirror.status))


@dataclass(frozen=True)
class PersonHours:
    """One partner co-worker's hours in the period, on each side."""

    partner_company_id: int
    user_id: int
    name: str
    co_worker_id: int | None  # their external record in the main company
    main_hours: Decimal
    secondary_hours: Decimal
    discrepancies: tuple[Discrepancy, ...]

    @property
    def balanced(self) -> bool:
        return not self.discrepancies and self.main_hours == self.secondary_hours


@dataclass(frozen=True)
class Reconciliation:
    main_project_id: int
    date_from: dt.date | None
    date_to: dt.date | None
    people: tuple[PersonHours, ...]
    discrepancies: tuple[Discrepancy, ...]
    # The project asked about: the main project, or (the partner company's view) its secondary project.
    project_id: int | None = None

    @property
    def balanced(self) -> bool:
        return not self.discrepancies and all(person.balanced for person in self.people)

    @property
    def main_hours(self) -> Decimal:
        return sum((p.main_hours for p in self.people), Decimal("0.00"))

    @property
    def secondary_hours(self) -> Decimal:
        return sum((p.secondary_hours for p in self.people), Decimal("0.00"))


@dataclass(frozen=True)
class SideTotal:
    """One side's hours of one person from one partner company."""

    partner_company_id: int
    user_id: int
    hours: Decimal


@dataclass(frozen=True)
class Person:
    name: str
    co_worker_id: int | None  # their external record in the main company


def reconciliation(main_project_id: int, date_from: dt.date | None, date_to: dt.date | None, *,
                   main_totals: Iterable[SideTotal], secondary_totals: Iterable[SideTotal],
                   discrepancies: Iterable[Discrepancy], people: dict[int, Person]) -> Reconciliation:
    """Puts each side's totals and the discrepancies together per partner company and person (`people`: by
    user id)."""
    discrepancies = tuple(discrepancies)
    zero = Decimal("0.00")
    hours: dict[tuple[int, int], list[Decimal]] = {}
    for side, totals in enumerate((main_totals, secondary_totals)):
        for total in totals:
            hours.setdefault((total.partner_company_id, total.user_id), [zero, zero])[side] += total.hours
    for d in discrepancies:  # someone with discrepancies but no hours in the period on either side
        hours.setdefault((d.partner_company_id, d.user_id), [zero, zero])
    unknown = Person("", None)
    return Reconciliation(
        main_project_id, date_from, date_to,
        tuple(
            PersonHours(company_id, user_id, people.get(user_id, unknown).name,
                        people.get(user_id, unknown).co_worker_id, main, secondary,
                        tuple(d for d in discrepancies if (d.partner_company_id, d.user_id) == (company_id, user_id)))
            for (company_id, user_id), (main, secondary) in sorted(hours.items())
        ),
        discrepancies,
    )


# What the main company keeps to itself: its activities' and co-workers' ids name nothing the partner may see.
MAIN_COMPANY_VALUES = (DiscrepancyKind.ACTIVITY_DIFFER, DiscrepancyKind.CO_WORKER_DIFFER)


def _as_partner_sees(discrepancy: Discrepancy) -> Discrepancy:
    if discrepancy.kind in MAIN_COMPANY_VALUES:
        return replace(discrepancy, source_value=None, mirror_value=None)
    return discrepancy


def as_seen_by_partner(found: Reconciliation, secondary_project_id: int) -> Reconciliation:
    """The partner company's view of its side (pure): its people's hours on both sides and every discrepancy of
    its records, without what only the main company may see: the values of ACTIVITY_DIFFER and CO_WORKER_DIFFER
    (the main company's activity and co-worker ids) and its people's external co-worker records there."""
    return replace(
        found, project_id=secondary_project_id,
        discrepancies=tuple(_as_partner_sees(d) for d in found.discrepancies),
        people=tuple(replace(p, co_worker_id=None, discrepancies=tuple(_as_partner_sees(d) for d in p.discrepancies))
                     for p in found.people),
    )
