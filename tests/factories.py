"""Seeding for tests: companies with people and tokens, written straight through the model."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from domain import model as m
from domain.platform.db import Database
from domain.partners.numbering import new_series
from domain.access.tokens import create_token
from gql.ids import to_global_id


@dataclass
class Person:
    co_worker_id: int
    user_id: int
    email: str
    token: str
    role: m.Role

    @property
    def gid(self) -> str:
        return to_global_id("CoWorker", self.co_worker_id)


@dataclass
class SeededCompany:
    id: int
    database_name: str
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def gid(self) -> str:
        return to_global_id("Company", self.id)

    def __getitem__(self, key: str) -> Person:
        return self.people[key]


async def add_company(db: Database, database_name: str, *, tier: m.Tier = m.Tier.PRO, name: str | None = None) -> SeededCompany:
    async with db.transaction() as session:
        company = m.Company(database_name=database_name, name=name or database_name.title(), tier=tier)
        session.add(company)
        await session.flush()
        session.add_all(new_series(company.id))
    return SeededCompany(company.id, database_name)


async def add_person(
    db: Database, company: SeededCompany, key: str, role: m.Role, *, home: SeededCompany | None = None,
    email: str | None = None, hourly_rate: Decimal | None = Decimal("1200.00"),
) -> Person:
    """A co-worker of `company` (external when `home` is another company) with a token of their own."""
    email = email or f"{key}@{(home or company).database_name}.test"
    async with db.transaction() as session:
        from sqlalchemy import select

        user = await session.scalar(select(m.User).where(m.User.email == email))
        if user is None:
            user = m.User(email=email, name=key.replace("_", " ").title())
            session.add(user)
            await session.flush()
        co_worker = m.CoWorker(
            company_id=company.id, user_id=user.id, home_company_id=(home or company).id, role=role,
            hourly_rate=hourly_rate, hourly_cost=Decimal("700.00"),
        )
        session.add(co_worker)
        await session.flush()
        user_id, co_worker_id = user.id, co_worker.id
    token, _ = await create_token(db, db.settings, email=email, company=company.database_name)
    person = Person(co_worker_id, user_id, email, token, role)
    company.people[key] = person
    return person


async def company_with_staff(db: Database, database_name: str = "acme") -> SeededCompany:
    """A PRO company with an admin, a project leader, two employees and an EXTERNAL co-worker."""
    company = await add_company(db, database_name)
    await add_person(db, company, "admin", m.Role.ADMIN)
    await add_person(db, company, "leader", m.Role.PROJECT_LEADER)
    await add_person(db, company, "employee", m.Role.EMPLOYEE)
    await add_person(db, company, "colleague", m.Role.EMPLOYEE)
    await add_person(db, company, "external", m.Role.EXTERNAL)
    return company


async def add_customer(db: Database, company: SeededCompany, name: str = "Fjordkraft AS") -> int:
    async with db.transaction() as session:
        from domain.partners.numbering import allocate_number

        customer = m.Customer(
            company_id=company.id, name=name,
            number=await allocate_number(session, company.id, m.SeriesKind.CUSTOMER),
        )
        session.add(customer)
        await session.flush()
        session.add(m.Contact(customer_id=customer.id, name="Kari Nordmann", email="kari@example.test"))
        return customer.id


async def add_project(
    db: Database, company: SeededCompany, customer_id: int, name: str = "Website", *,
    leader: Person | None = None, members: list[Person] = (), activities: int = 2, milestones: int = 1,
) -> int:
    from domain.partners.numbering import allocate_number

    async with db.transaction() as session:
        project = m.Project(
            company_id=company.id, customer_id=customer_id, name=name,
            number=await allocate_number(session, company.id, m.SeriesKind.PROJECT),
            leader_id=leader.co_worker_id if leader else None, hourly_rate=Decimal("1500.00"),
            start_date=dt.date(2026, 1, 1),
        )
        session.add(project)
        await session.flush()
        session.add_all(m.ProjectMember(project_id=project.id, co_worker_id=p.co_worker_id) for p in members)
        session.add_all(m.Activity(project_id=project.id, number=str(i + 1), name=f"Activity {i + 1}") for i in range(activities))
        session.add_all(
            m.Milestone(project_id=project.id, name=f"Milestone {i + 1}", due_date=dt.date(2026, 6, 1))
            for i in range(milestones)
        )
        return project.id


async def add_time_records(
    db: Database, company: SeededCompany, project_id: int, person: Person, *, count: int = 1,
    start: dt.date = dt.date(2026, 3, 2), hours: Decimal = Decimal("7.5"),
) -> list[int]:
    from sqlalchemy import select

    async with db.transaction() as session:
        activity_id = await session.scalar(
            select(m.Activity.id).where(m.Activity.project_id == project_id).order_by(m.Activity.id).limit(1)
        )
        records = [
            m.TimeRecord(
                company_id=company.id, project_id=project_id, activity_id=activity_id,
                co_worker_id=person.co_worker_id, date=start + dt.timedelta(days=i), hours=hours,
            )
            for i in range(count)
        ]
        session.add_all(records)
        await session.flush()
        return [r.id for r in records]


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


async def graphql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None,
    expect_errors: bool = False,
) -> dict[str, Any]:
    """POSTs an operation; returns `data`, failing the test on top-level errors unless told to expect them."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    body = response.json()
    if expect_errors:
        return body
    assert response.status_code == 200, body
    assert "errors" not in body, body["errors"]
    return body["data"]


# --- bulk seeding for the read-side tests (one statement per table, so large data sets stay fast) ---


async def add_projects_in_bulk(
    db: Database, company: SeededCompany, customer_id: int, count: int, *, members: list[Person] = (),
    leader: Person | None = None, first_number: int = 50000,
) -> list[int]:
    """`count` projects with the given members and one activity each; returns the project ids in order."""
    from sqlalchemy import insert

    async with db.transaction() as session:
        project_ids = list(await session.scalars(
            insert(m.Project).returning(m.Project.id, sort_by_parameter_order=True),
            [
                dict(company_id=company.id, customer_id=customer_id, name=f"Project {i + 1:04d}",
                     number=first_number + i, leader_id=leader.co_worker_id if leader else None,
                     hourly_rate=Decimal("1500.00"), start_date=dt.date(2026, 1, 1))
                for i in range(count)
            ],
        ))
        rows = [dict(project_id=p, co_worker_id=person.co_worker_id) for p in project_ids for person in members]
        if rows:
            await session.execute(insert(m.ProjectMember), rows)
        await session.execute(insert(m.Activity), [dict(project_id=p, number="1", name="Work") for p in project_ids])
    return project_ids


async def add_time_records_in_bulk(
    db: Database, company: SeededCompany, project_id: int, person: Person, dates: list[dt.date], *,
    hours: Decimal = Decimal("1.5"),
) -> list[int]:
    """One time record of `person` per date given (dates may repeat), on the project's first activity."""
    from sqlalchemy import insert, select

    async with db.transaction() as session:
        activity_id = await session.scalar(
            select(m.Activity.id).where(m.Activity.project_id == project_id).order_by(m.Activity.id).limit(1)
        )
        return list(await session.scalars(
            insert(m.TimeRecord).returning(m.TimeRecord.id, sort_by_parameter_order=True),
            [
                dict(company_id=company.id, project_id=project_id, activity_id=activity_id,
                     co_worker_id=person.co_worker_id, date=date, hours=hours)
                for date in dates
            ],
        ))


async def add_file(
    db: Database, company: SeededCompany, name: str = "contract.pdf", *, customer_id: int | None = None,
    project_id: int | None = None, uploaded_by: Person | None = None,
) -> int:
    """File metadata only (no contents), belonging to a customer or a project."""
    async with db.transaction() as session:
        row = m.File(
            company_id=company.id, name=name, size=1024, content_type="application/pdf", sha256="0" * 64,
            customer_id=customer_id, project_id=project_id,
            uploaded_by_id=uploaded_by.co_worker_id if uploaded_by else None,
        )
        session.add(row)
        await session.flush()
        return row.id


async def add_member(db: Database, project_id: int, person: Person) -> None:
    async with db.transaction() as session:
        session.add(m.ProjectMember(project_id=project_id, co_worker_id=person.co_worker_id))


async def add_hours_in_bulk(
    db: Database, company: SeededCompany, project_ids: list[int], people: list[Person], dates: list[dt.date], *,
    hours: Decimal = Decimal("1.5"),
) -> None:
    """A time record per project, person and date, on each project's first activity, in one statement."""
    from sqlalchemy import func, insert, select

    async with db.transaction() as session:
        first_activity = dict((await session.execute(
            select(m.Activity.project_id, func.min(m.Activity.id))
            .where(m.Activity.project_id.in_(project_ids)).group_by(m.Activity.project_id)
        )).all())
        await session.execute(insert(m.TimeRecord), [
            dict(company_id=company.id, project_id=p, activity_id=first_activity[p], co_worker_id=person.co_worker_id,
                 date=date, hours=hours)
            for p in project_ids for person in people for date in dates
        ])
