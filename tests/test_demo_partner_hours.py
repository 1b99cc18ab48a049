"""The demo's partner hours (domain/demo/partner_hours.py): registered at home through the services, mirrored into
the shared project, approved and invoiced on both sides, a shared expense, a balanced reconciliation, and the
hoursReport example of the README answering with partner hours."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from domain.demo import companies as demo
from domain import model as m
from domain.access.tokens import create_token
from tests.factories import gid, graphql

# The demo's weeks, and the README's hoursReport example (project 1 is the shared project "Digital strategi 2027").
WEEKS = {"from": "2026-10-26", "to": "2026-11-20"}
README_PROJECT_ID = "UHJvamVjdDox"

RECONCILE = """
query($projectId: ID!, $from: Date!, $to: Date!) {
  partnerHoursReconciliation(projectId: $projectId, from: $from, to: $to) {
    balanced mainHours secondaryHours discrepancies { kind }
    coWorkers { name partnerCompany { databaseName } mainHours secondaryHours balanced }
  }
}
"""

REPORT = """
query($filter: HoursReportFilter) {
  hoursReport(filter: $filter) { total { hours recordCount } byCoWorker { coWorker { name } hours } } }
"""


async def shared_project(session) -> m.Project:
    [main_id] = set(await session.scalars(
        select(m.Project.main_project_id).where(m.Project.main_project_id.isnot(None))))
    return await session.get(m.Project, main_id)


async def admin_token(db) -> str:
    token, _ = await create_token(db, db.settings, email=demo.DEMO_ADMIN_EMAIL, company="nordlys-consulting")
    return token


async def test_every_partner_source_in_the_demo_has_its_mirror_in_the_shared_project(db):
    await demo.load(db)
    async with db.read() as session:
        main = await shared_project(session)
        secondaries = (await session.execute(
            select(m.Project.id, m.Company.database_name, m.Project.number)
            .join(m.Company, m.Company.id == m.Project.company_id)
            .where(m.Project.main_project_id == main.id).order_by(m.Company.database_name))).all()
        secondary_ids = [s.id for s in secondaries]
        sources = list(await session.scalars(select(m.TimeRecord).where(m.TimeRecord.project_id.in_(secondary_ids))))
        mirrors = {r.source_record_id: r for r in await session.scalars(
            select(m.TimeRecord).where(m.TimeRecord.project_id == main.id, m.TimeRecord.source_record_id.isnot(None)))}
        main_externals = {c.id: c.user_id for c in await session.scalars(
            select(m.CoWorker).where(m.CoWorker.company_id == main.company_id, m.CoWorker.role == m.Role.EXTERNAL))}
        home_users = {c.id: c.user_id for c in await session.scalars(select(m.CoWorker))}
    assert main.name == "Digital strategi 2027" and gid("Project", main.id) == README_PROJECT_ID
    # the README names them: Fjellvik's secondary project 1005, Havbris's 1004 (from the group's series)
    assert [(s.database_name, s.number) for s in secondaries] == [("fjellvik-engineering", 1005),
                                                                   ("havbris-design", 1004)]
    assert len(sources) == 16
    assert sorted(mirrors) == sorted(s.id for s in sources)
    for source in sources:
        mirror = mirrors[source.id]
        assert (mirror.date, mirror.hours, mirror.description) == (source.date, source.hours, source.description)
        assert main_externals[mirror.co_worker_id] == home_users[source.co_worker_id]
    # each company approved the first two weeks of its own rows and invoiced the first
    for rows in (sources, list(mirrors.values())):
        assert {r.status for r in rows} == {m.HourStatus.INVOICED, m.HourStatus.APPROVED, m.HourStatus.NOT_APPROVED}
        assert {r.date for r in rows if r.status == m.HourStatus.INVOICED} <= {
            dt.date(2026, 10, 26) + dt.timedelta(days=d) for d in range(5)}


async def test_the_demos_shared_project_gets_a_clone_of_a_partners_expense(db):
    await demo.load(db)
    async with db.read() as session:
        main = await shared_project(session)
        expenses = list(await session.scalars(select(m.Expense).order_by(m.Expense.id)))
    [clone] = [e for e in expenses if e.project_id == main.id]
    [source] = [e for e in expenses if e.id == clone.source_expense_id]
    assert main.share_expenses
    assert source.company_id != main.company_id and clone.company_id == main.company_id
    assert (clone.date, clone.amount, clone.description) == (source.date, source.amount, source.description)


async def test_the_demos_shared_project_reconciles_without_a_discrepancy(db, client):
    await demo.load(db)
    found = (await graphql(client, RECONCILE, {"projectId": README_PROJECT_ID, **WEEKS}, token=await admin_token(db)))[
        "partnerHoursReconciliation"]
    assert found["balanced"] and found["discrepancies"] == []
    assert Decimal(found["mainHours"]) == Decimal(found["secondaryHours"]) > 0
    assert sorted((c["name"], c["partnerCompany"]["databaseName"], c["balanced"]) for c in found["coWorkers"]) == [
        ("Emilie Strand", "fjellvik-engineering", True), ("Julie Eide", "havbris-design", True)]


async def test_the_readme_hours_report_with_the_external_filter_shows_the_demos_partner_hours(db, client):
    await demo.load(db)
    token = await admin_token(db)
    async with db.read() as session:
        main = await shared_project(session)
        mirrored = list(await session.scalars(select(m.TimeRecord.hours).where(
            m.TimeRecord.project_id == main.id, m.TimeRecord.source_record_id.isnot(None))))

    async def report(**filter_) -> dict:
        data = await graphql(client, REPORT, {"filter": {"projectId": README_PROJECT_ID, **WEEKS, **filter_}},
                             token=token)
        return data["hoursReport"]

    # the figures the README gives for its example
    external = await report(external=True)
    assert (Decimal(external["total"]["hours"]), external["total"]["recordCount"]) == (sum(mirrored), len(mirrored))
    assert (sum(mirrored), len(mirrored)) == (60, 16)
    assert sorted((c["coWorker"]["name"], Decimal(c["hours"])) for c in external["byCoWorker"]) == [
        ("Emilie Strand", 28), ("Julie Eide", 32)]
    invoiced = await report(external=True, invoiced=True)
    assert Decimal(invoiced["total"]["hours"]) == 15
    internal = await report(external=False)
    assert "Emilie Strand" not in {c["coWorker"]["name"] for c in internal["byCoWorker"]}
