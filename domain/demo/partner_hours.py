"""The demo's partner hours (SPEC §4): the shared project's partner co-workers register hours and an expense at
home, on their secondary projects, through the hour and expense services, so the main project gets the mirrors
and the clone from the real code (domain/hours/mirrors.py); then each company's admin approves and invoices its own
rows through the status service (the partners theirs by internal invoices: domain/demo/partner_invoicing.py). All
inside the demo's one transaction."""
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain import model as m
from domain.demo.partner_group import admin_of
from domain.access.viewer import Membership, Viewer
from domain.hours.expenses import ExpenseDraft, create_expense_in
from domain.hours.statuses import set_statuses_in
from domain.hours.records import TimeRecordDraft, create_time_record_in
from domain.projects.service import update_project_in
from domain.projects.secondary import secondary_project_of


@dataclass(frozen=True)
class PartnerWork:
    """A partner co-worker's days on the shared project: the same weekdays and hours every week."""

    home: str  # databaseName of their home company
    name: str
    weekdays: tuple[int, ...]  # 0 = Monday
    hours: str
    weeks: tuple[tuple[str, str], ...]  # per week from the demo's first Monday: (main project's activity, description)


WORK = (
    PartnerWork("fjellvik-engineering", "Emilie Strand", (1, 3), "3.5", (
        ("Kartlegging", "Kartlegging av BIM- og dokumentverktøy"),
        ("Kartlegging", "Intervjuer om digital samhandling"),
        ("Workshops", "Workshop om digital samhandling i prosjekter"),
        ("Strategirapport", "Innspill til strategirapporten"),
    )),
    PartnerWork("havbris-design", "Julie Eide", (0, 2), "4.0", (
        ("Workshops", "Forberedelse av workshopmateriell"),
        ("Workshops", "Fasilitering av workshop med kunden"),
        ("Strategirapport", "Brukerreiser til strategirapporten"),
        ("Strategirapport", "Illustrasjoner og layout av strategirapporten"),
    )),
)
# Each company approves its own rows of the first two weeks and invoices those of the first (SPEC §4): the partners
# their hours to Nordlys (by internal invoices), Nordlys the mirrors to its customer.
APPROVED_WEEKS, INVOICED_WEEKS = 2, 1
# The main project shares expenses; Emilie Strand's travel to the workshop is cloned into it.
EXPENSE_BY = "Emilie Strand"
EXPENSE = ("Flybillett Bergen–Tromsø, workshop hos Polarlys Energi", "2486.00", 2 * 7 + 1)  # days after first Monday


@dataclass(frozen=True)
class Day:
    work: PartnerWork
    date: dt.date
    activity: str
    description: str


def days(first_monday: dt.date) -> Iterator[Day]:
    """Every partner day of the plan, in date order per person (pure; the demo's home hours leave room for them)."""
    for work in WORK:
        for week, (activity, description) in enumerate(work.weeks):
            for weekday in work.weekdays:
                yield Day(work, first_monday + dt.timedelta(weeks=week, days=weekday), activity, description)


async def load(session: AsyncSession, main_project_id: int, *, first_monday: dt.date) -> None:
    main = await session.get(m.Project, main_project_id)
    main_admin = await admin_of(session, await session.get(m.Company, main.company_id))
    await update_project_in(session, main_admin, main.id, {"share_expenses": True})
    people = {work.name: await _at_home(session, work, main.id) for work in WORK}
    for day in days(first_monday):
        viewer, secondary = people[day.work.name]
        activity_id = await session.scalar(select(m.Activity.id).where(
            m.Activity.project_id == secondary.id, m.Activity.name == day.activity))
        await create_time_record_in(session, viewer, TimeRecordDraft(
            project_id=secondary.id, activity_id=activity_id, date=day.date, hours=Decimal(day.work.hours),
            description=day.description,
        ))
    viewer, secondary = people[EXPENSE_BY]
    description, amount, offset = EXPENSE
    await create_expense_in(session, viewer, ExpenseDraft(
        project_id=secondary.id, date=first_monday + dt.timedelta(days=offset), amount=Decimal(amount),
        description=description,
    ))
    for project_id in [main.id, *(secondary.id for _, secondary in people.values())]:
        await _approve_and_invoice(session, project_id, first_monday)


async def _at_home(session: AsyncSession, work: PartnerWork, main_project_id: int) -> tuple[Viewer, m.Project]:
    """The partner co-worker signed in to their home company, and its secondary project of the shared project."""
    company = await session.scalar(select(m.Company).where(m.Company.database_name == work.home))
    co_worker = await session.scalar(
        select(m.CoWorker).join(m.User, m.User.id == m.CoWorker.user_id)
        .where(m.CoWorker.company_id == company.id, m.User.name == work.name)
    )
    viewer = Viewer(user_id=co_worker.user_id, memberships=(Membership(company.id, co_worker.id, co_worker.role),))
    return viewer, await secondary_project_of(session, main_project_id, company.id)


async def _approve_and_invoice(session: AsyncSession, project_id: int, first_monday: dt.date) -> None:
    """The project's company admin approves the partner hours of its first weeks; the main company's invoices the
    oldest week to its customer."""
    project = await session.get(m.Project, project_id)
    admin = await admin_of(session, await session.get(m.Company, project.company_id))
    partner_hours = select(m.TimeRecord.id).where(m.TimeRecord.project_id == project.id).order_by(m.TimeRecord.id)
    if project.main_project_id is None:
        partner_hours = partner_hours.where(m.TimeRecord.source_record_id.isnot(None))
    steps = [(m.HourStatus.APPROVED, APPROVED_WEEKS)]
    if project.main_project_id is None:
        # The partners invoice theirs internally (domain/demo/partner_invoicing.py), which marks both sides.
        steps.append((m.HourStatus.INVOICED, INVOICED_WEEKS))
    for status, weeks in steps:
        ids = list(await session.scalars(
            partner_hours.where(m.TimeRecord.date < first_monday + dt.timedelta(weeks=weeks))))
        await set_statuses_in(session, admin, m.TimeRecord, ids, status, noun="time record")
