"""Seeding a project family for the partner-hours tests: a main project, its secondaries and partner co-workers,
and time records written straight into the database (sources, mirrors, and broken pairs the tests plant)."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import insert, select

from domain import model as m
from domain.platform.db import Database
from domain.projects import members
from tests.factories import Person, SeededCompany, add_customer, add_person, add_project, gid
from tests.partner_seeds import admin_viewer, group_of_companies


@dataclass
class Guest:
    """A partner co-worker: their record in the home company and their external record in the main company."""

    home: Person
    external: Person
    company: SeededCompany


@dataclass
class ProjectFamily:
    main: SeededCompany
    partners: list[SeededCompany]
    main_project_id: int
    secondary_ids: dict[int, int]  # partner company id -> its secondary project
    guests: list[Guest]
    main_activity_ids: list[int]
    copies: dict[int, dict[int, int]] = field(default_factory=dict)  # secondary -> main activity -> its copy

    @property
    def main_gid(self) -> str:
        return gid("Project", self.main_project_id)

    def secondary_of(self, guest: Guest) -> int:
        return self.secondary_ids[guest.company.id]

    def copy_of(self, guest: Guest, main_activity_id: int) -> int:
        return self.copies[self.secondary_of(guest)][main_activity_id]


async def project_family(db: Database, partner_names: tuple[str, ...] = ("fjellvik",), *,
                         guests_per_partner: int = 1, activities: int = 2) -> ProjectFamily:
    """A group of the main company `nordlys` and the partners; a main project led by nordlys' leader, with
    `guests_per_partner` employees of each partner added through the member service (which makes the
    secondary projects and copies the activities)."""
    companies, _ = await group_of_companies(db, ("nordlys", *partner_names))
    main, partners = companies[0], companies[1:]
    project_id = await add_project(db, main, await add_customer(db, main, "Statkraft AS"), "Dam inspection",
                                   leader=main["leader"], activities=activities, milestones=0)
    guests = []
    for partner in partners:
        for key in ("employee", "colleague")[:guests_per_partner]:
            home = partner[key]
            external = await add_person(db, main, f"{key}_of_{partner.database_name}", m.Role.EXTERNAL,
                                        home=partner, email=home.email)
            await members.add_project_member(db, admin_viewer(main), project_id, external.co_worker_id)
            guests.append(Guest(home, external, partner))
    async with db.read() as session:
        secondaries = list(await session.execute(
            select(m.Project.company_id, m.Project.id).where(m.Project.main_project_id == project_id)))
        main_activity_ids = list(await session.scalars(
            select(m.Activity.id).where(m.Activity.project_id == project_id).order_by(m.Activity.id)))
        copies: dict[int, dict[int, int]] = {}
        for project, source, copy in await session.execute(
            select(m.Activity.project_id, m.Activity.source_activity_id, m.Activity.id)
            .where(m.Activity.project_id.in_([s.id for s in secondaries]))
        ):
            copies.setdefault(project, {})[source] = copy
    return ProjectFamily(main, partners, project_id, {s.company_id: s.id for s in secondaries}, guests,
                         main_activity_ids, copies)


async def insert_record(db: Database, *, company_id: int, project_id: int, activity_id: int, co_worker_id: int,
                        date: dt.date, hours: Decimal | str, description: str | None = None,
                        status: m.HourStatus = m.HourStatus.NOT_APPROVED, source_record_id: int | None = None) -> int:
    """One time record inserted as it is, past every service rule (how the tests plant broken states)."""
    async with db.transaction() as session:
        return await session.scalar(insert(m.TimeRecord).values(
            company_id=company_id, project_id=project_id, activity_id=activity_id, co_worker_id=co_worker_id,
            date=date, hours=Decimal(hours), description=description, status=status,
            source_record_id=source_record_id,
        ).returning(m.TimeRecord.id))


async def insert_source(db: Database, family: ProjectFamily, guest: Guest, *, date: dt.date, hours: str = "7.5",
                        activity: int = 0, description: str | None = None,
                        status: m.HourStatus = m.HourStatus.NOT_APPROVED) -> int:
    """Hours of `guest` on their secondary project (on the copy of the main project's activity `activity`)."""
    return await insert_record(
        db, company_id=guest.company.id, project_id=family.secondary_of(guest),
        activity_id=family.copy_of(guest, family.main_activity_ids[activity]), co_worker_id=guest.home.co_worker_id,
        date=date, hours=hours, description=description, status=status)


async def insert_mirror(db: Database, family: ProjectFamily, guest: Guest, source_id: int | None, *,
                        date: dt.date, hours: str = "7.5", activity: int = 0, description: str | None = None,
                        status: m.HourStatus = m.HourStatus.NOT_APPROVED) -> int:
    """A record on the main project by the guest's external record, linked to `source_id`."""
    return await insert_record(
        db, company_id=family.main.id, project_id=family.main_project_id,
        activity_id=family.main_activity_ids[activity], co_worker_id=guest.external.co_worker_id,
        date=date, hours=hours, description=description, status=status, source_record_id=source_id)


async def insert_pair(db: Database, family: ProjectFamily, guest: Guest, *, date: dt.date, hours: str = "7.5",
                      activity: int = 0, description: str | None = None) -> tuple[int, int]:
    """A source and its identical mirror; returns (source id, mirror id)."""
    source = await insert_source(db, family, guest, date=date, hours=hours, activity=activity, description=description)
    mirror = await insert_mirror(db, family, guest, source, date=date, hours=hours, activity=activity,
                                 description=description)
    return source, mirror
