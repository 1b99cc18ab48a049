"""hoursReport (SPEC §4): filters, totals per co-worker, activity, project and month, access, mirrors, cost."""
import datetime as dt

import httpx
import pytest
from sqlalchemy import select

from domain import model as m
from gql.compiled import execution
from gql.compiled.plan import TotalsPlan
from partnergraph.composition import create_app
from tests.factories import add_company, add_customer, add_person, add_project, company_with_staff, gid, graphql
from tests.gql.test_statement_count import counting_statements
from tests.partner_hours_seeds import insert_pair, insert_record, insert_source, project_family

REPORT = """
query Report($filter: HoursReportFilter) {
  hoursReport(filter: $filter) {
    total { hours recordCount }
    byCoWorker { coWorker { id name } hours recordCount }
    byActivity { activity { id name } hours recordCount }
    byProject { project { id name } hours recordCount }
    byMonth { month hours recordCount }
  }
}
"""

REPORT_RECORDS = """
query Report($filter: HoursReportFilter, $first: Int, $after: String) {
  hoursReport(filter: $filter) {
    total { hours recordCount }
    records(first: $first, after: $after) { totalCount nodes { id hours isMirror } pageInfo { endCursor hasNextPage } }
  }
}
"""


async def activities_of(db, project_id: int) -> list[int]:
    async with db.read() as session:
        return list(await session.scalars(
            select(m.Activity.id).where(m.Activity.project_id == project_id).order_by(m.Activity.id)))


@pytest.fixture
async def office(db):
    """acme: two projects; hours of the employee, the colleague and a consultant whose home company is birch
    (an external co-worker) over two months, on two activities, not approved, approved and invoiced."""
    acme = await company_with_staff(db)
    await add_person(db, acme, "consultant", m.Role.EXTERNAL, home=await add_company(db, "birch"))
    customer = await add_customer(db, acme)
    people = [acme["employee"], acme["colleague"], acme["consultant"]]
    website = await add_project(db, acme, customer, "Website", leader=acme["leader"], members=people)
    intranet = await add_project(db, acme, customer, "Intranet", members=people)
    w1, w2 = await activities_of(db, website)
    i1, _ = await activities_of(db, intranet)

    async def hours(project, activity, person, day, amount, status=m.HourStatus.NOT_APPROVED):
        await insert_record(db, company_id=acme.id, project_id=project, activity_id=activity,
                            co_worker_id=person.co_worker_id, date=day, hours=amount, status=status)

    await hours(website, w1, acme["employee"], dt.date(2026, 3, 2), "7.5")
    await hours(website, w2, acme["employee"], dt.date(2026, 3, 3), "2.25", m.HourStatus.APPROVED)
    await hours(website, w1, acme["colleague"], dt.date(2026, 4, 1), "4", m.HourStatus.INVOICED)
    await hours(intranet, i1, acme["colleague"], dt.date(2026, 4, 2), "1.5")
    await hours(website, w1, acme["consultant"], dt.date(2026, 4, 30), "3")
    return acme, {"website": website, "intranet": intranet, "w1": w1, "w2": w2, "i1": i1}


def totals(report, by: str, key: str) -> dict:
    return {row[key]["name"] if row[key] else None: (row["hours"], row["recordCount"]) for row in report[by]}


async def report(client, token, **filter_):
    data = await graphql(client, REPORT, {"filter": filter_ or None}, token=token)
    return data["hoursReport"]


async def test_an_admins_report_totals_the_companys_hours_per_co_worker_activity_project_and_month(client, office):
    acme, ids = office
    found = await report(client, acme["admin"].token)
    assert found["total"] == {"hours": "18.25", "recordCount": 5}
    assert totals(found, "byCoWorker", "coWorker") == {
        "Employee": ("9.75", 2), "Colleague": ("5.50", 2), "Consultant": ("3.00", 1)}
    assert {(row["activity"]["id"], row["hours"], row["recordCount"]) for row in found["byActivity"]} == {
        (gid("Activity", ids["w1"]), "14.50", 3), (gid("Activity", ids["w2"]), "2.25", 1),
        (gid("Activity", ids["i1"]), "1.50", 1)}
    assert totals(found, "byProject", "project") == {"Website": ("16.75", 4), "Intranet": ("1.50", 1)}
    assert found["byMonth"] == [{"month": "2026-03", "hours": "9.75", "recordCount": 2},
                                {"month": "2026-04", "hours": "8.50", "recordCount": 3}]


async def test_each_filter_narrows_the_report(client, office):
    acme, ids = office
    token = acme["admin"].token
    assert (await report(client, token, projectId=gid("Project", ids["intranet"])))["total"] == {
        "hours": "1.50", "recordCount": 1}
    assert (await report(client, token, coWorkerId=acme["colleague"].gid))["total"]["hours"] == "5.50"
    assert (await report(client, token, external=True))["total"]["hours"] == "3.00"
    assert (await report(client, token, external=False))["total"]["hours"] == "15.25"
    assert (await report(client, token, **{"from": "2026-03-03", "to": "2026-04-01"}))["total"] == {
        "hours": "6.25", "recordCount": 2}
    assert (await report(client, token, status="APPROVED"))["total"]["hours"] == "2.25"
    assert (await report(client, token, invoiced=True))["total"]["hours"] == "4.00"
    assert (await report(client, token, invoiced=False))["total"]["hours"] == "14.25"
    assert (await report(client, token, companyIds=[acme.gid], status="INVOICED", invoiced=True))["total"][
        "hours"] == "4.00"
    # filters combine
    combined = await report(client, token, projectId=gid("Project", ids["website"]), invoiced=False,
                            **{"from": "2026-04-01"})
    assert combined["total"] == {"hours": "3.00", "recordCount": 1}


async def test_a_report_with_nothing_matching_is_zero_with_no_groups(client, office):
    acme, _ = office
    found = await report(client, acme["admin"].token, **{"from": "2030-01-01"})
    assert found == {"total": {"hours": "0.00", "recordCount": 0}, "byCoWorker": [], "byActivity": [],
                     "byProject": [], "byMonth": []}


async def test_an_employee_gets_the_totals_of_their_own_hours_only(client, office):
    acme, _ = office
    found = await report(client, acme["employee"].token)
    assert found["total"] == {"hours": "9.75", "recordCount": 2}
    assert totals(found, "byCoWorker", "coWorker") == {"Employee": ("9.75", 2)}
    # asking for a colleague's hours gives nothing, not their hours
    assert (await report(client, acme["employee"].token, coWorkerId=acme["colleague"].gid))["total"]["recordCount"] == 0


async def test_a_project_leader_gets_the_hours_of_the_projects_they_lead_and_their_own(client, office):
    acme, _ = office
    found = await report(client, acme["leader"].token)
    assert totals(found, "byProject", "project") == {"Website": ("16.75", 4)}


async def test_another_companys_report_does_not_see_these_hours(db, client, office):
    other = await company_with_staff(db, "cedar")
    acme, _ = office
    assert (await report(client, other["admin"].token))["total"]["recordCount"] == 0
    assert (await report(client, other["admin"].token, companyIds=[acme.gid]))["total"]["recordCount"] == 0


async def test_the_records_of_a_report_page_through_exactly_the_counted_records(client, office):
    acme, _ = office
    token = acme["admin"].token
    first = (await graphql(client, REPORT_RECORDS, {"filter": {"invoiced": False}, "first": 3}, token=token))["hoursReport"]
    assert first["records"]["totalCount"] == 4 == first["total"]["recordCount"]
    rest = (await graphql(client, REPORT_RECORDS, {"filter": {"invoiced": False}, "first": 3,
                                                   "after": first["records"]["pageInfo"]["endCursor"]},
                          token=token))["hoursReport"]
    hours = [n["hours"] for n in first["records"]["nodes"] + rest["records"]["nodes"]]
    assert sorted(hours) == ["1.50", "2.25", "3.00", "7.50"]
    assert rest["records"]["pageInfo"]["hasNextPage"] is False


@pytest.mark.parametrize(("filter_", "field"), [
    ({"from": "2026-04-02", "to": "2026-04-01"}, "filter.to"),
    ({"status": "APPROVED", "invoiced": True}, "filter.invoiced"),
    ({"projectId": "not-an-id"}, "filter.projectId"),
    ({"companyIds": ["Q29tcGFueTox", "bad"]}, "filter.companyIds.1"),
])
async def test_a_bad_filter_is_refused_naming_the_field(client, office, filter_, field):
    acme, _ = office
    body = await graphql(client, REPORT, {"filter": filter_}, token=acme["admin"].token, expect_errors=True)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert error["extensions"]["field"] == field


# --- partner hours -------------------------------------------------------------------------


async def test_the_main_companys_report_counts_the_mirrors_of_partner_hours_as_external_hours(db, client):
    family = await project_family(db)
    guest = family.guests[0]
    await insert_pair(db, family, guest, date=dt.date(2026, 3, 2), hours="6")
    await insert_pair(db, family, guest, date=dt.date(2026, 3, 3), hours="2", activity=1)
    await insert_record(db, company_id=family.main.id, project_id=family.main_project_id,
                        activity_id=family.main_activity_ids[0], co_worker_id=family.main["employee"].co_worker_id,
                        date=dt.date(2026, 3, 2), hours="1")

    main_report = await report(client, family.main["admin"].token, projectId=family.main_gid)
    assert main_report["total"] == {"hours": "9.00", "recordCount": 3}
    external = await report(client, family.main["admin"].token, projectId=family.main_gid, external=True)
    assert totals(external, "byCoWorker", "coWorker") == {"Employee": ("8.00", 2)}
    assert external["byCoWorker"][0]["coWorker"]["id"] == guest.external.gid
    # the partner's own report holds the sources, as internal hours of its secondary project
    partner_report = await report(client, guest.company["admin"].token, external=False)
    assert partner_report["total"] == {"hours": "8.00", "recordCount": 2}
    assert [p["project"]["name"] for p in partner_report["byProject"]] == ["Dam inspection"]


async def test_a_report_over_both_companies_counts_a_source_and_its_mirror_once(db, client):
    # given someone who is an admin in both the main company and the partner, signed in to both
    family = await project_family(db)
    guest = family.guests[0]
    both = await add_person(db, family.main, "controller", m.Role.ADMIN, email="controller@group.test")
    await add_person(db, guest.company, "controller", m.Role.ADMIN, email="controller@group.test")
    from domain.access.tokens import create_token

    token, _ = await create_token(db, db.settings, email=both.email)
    await insert_pair(db, family, guest, date=dt.date(2026, 3, 2), hours="6")
    await insert_pair(db, family, guest, date=dt.date(2026, 3, 3), hours="2")
    # a source whose mirror is missing, and the main company's own hours
    await insert_source(db, family, guest, date=dt.date(2026, 3, 4), hours="1")
    await insert_record(db, company_id=family.main.id, project_id=family.main_project_id,
                        activity_id=family.main_activity_ids[0], co_worker_id=family.main["employee"].co_worker_id,
                        date=dt.date(2026, 3, 2), hours="0.5")

    # then the two companies together hold 9.5 hours, not 17.5
    found = await report(client, token)
    assert found["total"] == {"hours": "9.50", "recordCount": 4}
    assert sum(float(r["hours"]) for r in found["byMonth"]) == 9.5
    # each company alone still counts its side
    assert (await report(client, token, companyIds=[family.main.gid]))["total"]["hours"] == "8.50"
    assert (await report(client, token, companyIds=[guest.company.gid]))["total"]["hours"] == "9.00"
    # and a filter the source does not match leaves the mirror in: the main project alone counts its mirrors
    assert (await report(client, token, projectId=family.main_gid))["total"]["hours"] == "8.50"


# --- cost -------------------------------------------------------------------------------


@pytest.fixture
async def uncapped_client(db):
    app = create_app(db.settings.model_copy(update={"max_query_cost": 10**9, "rate_limit": False}), db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        yield client


async def test_a_report_costs_the_same_statements_for_ten_records_as_for_six_hundred(db, uncapped_client):
    from tests.factories import add_hours_in_bulk, add_projects_in_bulk

    acme = await company_with_staff(db)
    customer = await add_customer(db, acme)
    staff = [acme["employee"], acme["colleague"], acme["external"]]
    few = await add_projects_in_bulk(db, acme, customer, 1, members=staff, first_number=100)
    many = await add_projects_in_bulk(db, acme, customer, 20, members=staff, first_number=200)
    await add_hours_in_bulk(db, acme, few, staff[:1], [dt.date(2026, 3, d) for d in range(1, 11)])
    await add_hours_in_bulk(db, acme, many, staff, [dt.date(2026, m_, d) for m_ in (1, 2) for d in range(1, 6)])
    query = REPORT.replace("byMonth {", "records(first: 100) { nodes { id coWorker { name } activity { name } } }\n"
                                       "    byMonth {")

    async def statements(since: str):
        with counting_statements(db) as seen:
            data = await graphql(uncapped_client, query, {"filter": {"from": since}}, token=acme["admin"].token)
        return data["hoursReport"], seen

    small, small_statements = await statements("2026-03-01")
    large, large_statements = await statements("2026-01-01")
    assert small["total"]["recordCount"] == 10
    assert large["total"]["recordCount"] == 10 + 20 * 3 * 10
    assert len(large["byActivity"]) == 21 and len(large["byCoWorker"]) == 3
    assert len(small_statements) == len(large_statements)


FORMS = REPORT.replace("query Report(", "query ReportForms(")  # a document (and plan) of this test's own


async def test_a_reports_statements_are_built_once_per_form_of_filter_and_run_with_each_filters_values(
        client, office, db):
    # given the report asked again and again with filters of one form (a project and a period) and of another (a
    # status), by an admin and by an employee (the suite's execution check compares each answer with the general
    # executor's)
    acme, ids = office
    asked = []
    for who in ("admin", "employee", "admin"):
        for project, start in (("website", "2026-03-01"), ("intranet", "2026-04-01"), ("website", "2026-04-01")):
            found = await graphql(client, FORMS, {"filter": {"projectId": gid("Project", ids[project]), "from": start}},
                                  token=acme[who].token)
            asked.append((who, project, start, found["hoursReport"]["total"]))
        found = await graphql(client, FORMS, {"filter": {"status": "INVOICED"}}, token=acme[who].token)
        asked.append((who, "any", "INVOICED", found["hoursReport"]["total"]))
    # then each answer has that filter's and that caller's totals
    totals_of = {(who, project, start): total for who, project, start, total in asked}
    assert totals_of[("admin", "website", "2026-03-01")] == {"hours": "16.75", "recordCount": 4}
    assert totals_of[("admin", "website", "2026-04-01")] == {"hours": "7.00", "recordCount": 2}
    assert totals_of[("admin", "intranet", "2026-04-01")] == {"hours": "1.50", "recordCount": 1}
    assert totals_of[("employee", "website", "2026-03-01")] == {"hours": "9.75", "recordCount": 2}
    assert totals_of[("employee", "website", "2026-04-01")] == {"hours": "0.00", "recordCount": 0}
    assert totals_of[("admin", "any", "INVOICED")] == {"hours": "4.00", "recordCount": 1}
    assert totals_of[("employee", "any", "INVOICED")] == {"hours": "0.00", "recordCount": 0}
    # and the plan kept one statement per total, form of filter and kind of caller: not one per filter's values
    [root] = [plan.roots[0] for operation, plan in execution._plans.entries.values()
              if plan is not None and operation.name is not None and operation.name.value == "ReportForms"]
    kept = [key for item in root.report.fields if isinstance(item, TotalsPlan) for key in item.target.statements
            if len(key) == 3 and key[2] == db.engine.dialect.name]  # (the other database's: its own)
    forms = {form for (_totals, _group, form), _shape, _dialect in kept}
    assert len(forms) == 2
    assert len(kept) == 5 * 2  # admins and employees share an access shape (members of a company)
