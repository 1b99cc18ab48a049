"""The ten queries a front end makes first pass under the default limits (depth, aliases, tokens, cost) and run
without errors on the demo's data: a cost rule or a limit that regressed would refuse one of them here.

Each is a real document against schema.graphql, with the cost it may reach: the sum is worked out in the
README ("Limits and query cost") for the first one. A changed number is fine when the schema or the cost rule
changed on purpose; a query that no longer fits 1000 is not.
"""
import datetime as dt

import pytest
from graphql import parse
from sqlalchemy import func, select

from domain.demo import companies as demo
from domain import model as m
from domain.platform.settings import Settings
from domain.access.tokens import create_token
from gql.protection.cost import requested_cost
from gql.schema import schema
from tests.factories import SeededCompany, add_file, gid

PROJECT_LIST = """
query ProjectList($after: String) {
  projects(first: 10, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id number name status
      customer { name }
      secondaryProjects { number name status company { name } coWorkers { id name } }
    }
  }
}
"""

COMPANY_PARTNERS = """
query CompanyPartners($companyId: ID!) {
  node(id: $companyId) {
    ... on Company {
      id name
      partnerGroup { id name mainCompany { name } members { databaseName name isMain } }
      partners {
        complete
        partnerCompany { id name databaseName }
        outgoing { id confirmed customerAttached customer { name } }
        incoming { id confirmed customerAttached }
        missingSteps { step message }
      }
    }
  }
}
"""

WEEK_TIMESHEET = """
query Timesheet($coWorkerId: ID!, $from: Date!, $to: Date!) {
  timeRecords(first: 100, coWorkerId: $coWorkerId, dateFrom: $from, dateTo: $to) {
    nodes {
      id date hours description status isMirror
      project { id number name mainProjectLink { number name company { name } } }
      activity { id name }
    }
  }
}
"""

PROJECT_PAGE = """
query ProjectPage($id: ID!) {
  node(id: $id) {
    ... on Project {
      id number name status startDate endDate priceModel hourlyRate isSecondary pendingTransferCount
      customer { id name }
      leader { id name }
      mainProjectLink { number name company { name } }
      secondaryProjects { number name status company { name } coWorkers { id name } }
      members(first: 20) { totalCount nodes { hourlyRate coWorker { id name title isExternal } } }
      activities(first: 20) { nodes { id number name active } }
      milestones(first: 10) { nodes { id name dueDate completed shownInPlan } }
    }
  }
}
"""

HOURS_REPORT = """
query HoursReport($filter: HoursReportFilter) {
  hoursReport(filter: $filter) {
    total { hours recordCount }
    byCoWorker { hours recordCount coWorker { id name } }
    byActivity { hours recordCount activity { id name } }
    byProject { hours recordCount project { id number name } }
    byMonth { month hours recordCount }
  }
}
"""

TASK_BOARD = """
query TaskBoard {
  taskBoard(first: 50) {
    pageInfo { hasNextPage endCursor }
    nodes { id number name status dueDate company { name } project { id name } activity { name } assignee { name } }
  }
}
"""

PROJECT_FILES = """
query ProjectFiles($projectId: ID!) {
  files(first: 50, entityId: $projectId, includeDescendants: true) {
    totalCount
    nodes {
      id name size contentType uploadedAt tags url transferState effectiveStorageLocation
      uploadedBy { name } activity { name } task { name }
    }
  }
}
"""

CUSTOMERS_WITH_CONTACTS = """
query Customers {
  customers(first: 20) {
    nodes { id number name organisationNumber status storageLocation contacts { id name email phone } }
  }
}
"""

RECONCILIATION = """
query Reconciliation($projectId: ID!, $from: Date!, $to: Date!) {
  partnerHoursReconciliation(projectId: $projectId, from: $from, to: $to) {
    balanced mainHours secondaryHours
    coWorkers { name mainHours secondaryHours difference balanced partnerCompany { name } coWorker { id } }
    discrepancies {
      kind locked sourceRecordId mirrorRecordId sourceValue mirrorValue partnerCompany { name } coWorker { name }
    }
  }
}
"""

SYNC_RUNS = """
query SyncRuns($customerId: ID!) {
  sharePointSyncRuns(customerId: $customerId, first: 20) {
    nodes {
      id direction trigger status created updated moved deleted failed errors
      queuedAt startedAt finishedAt durationSeconds
      project { name } requestedBy { name }
    }
  }
}
"""

# Each query with the cost it may reach under the cost rule (gql/protection/cost.py).
FRONT_END_QUERIES = {
    "project list with secondaries and their co-workers": (PROJECT_LIST, 861),
    "a company's partners": (COMPANY_PARTNERS, 161),
    "a week's timesheet": (WEEK_TIMESHEET, 501),
    "a project page": (PROJECT_PAGE, 162),
    "an hours report": (HOURS_REPORT, 72),
    "the task board": (TASK_BOARD, 251),
    "a project's files": (PROJECT_FILES, 201),
    "customers with contacts": (CUSTOMERS_WITH_CONTACTS, 221),
    "a reconciliation": (RECONCILIATION, 61),
    "sync runs": (SYNC_RUNS, 61),
}

DEFAULT_MAX_COST = Settings.model_fields["max_query_cost"].default


@pytest.mark.parametrize("name", FRONT_END_QUERIES)
def test_each_front_end_query_costs_what_it_may_return_and_fits_the_default_maximum(name):
    query, expected = FRONT_END_QUERIES[name]
    cost = requested_cost(schema._schema, parse(query))
    assert cost == expected
    assert cost <= DEFAULT_MAX_COST


def test_the_app_under_test_has_the_default_limits():
    """The run below proves the default limits only if the test app has them (no PARTNERGRAPH_* override)."""
    settings = Settings(_env_file=None)
    for limit in ("max_query_depth", "max_query_aliases", "max_query_tokens", "max_query_cost"):
        assert getattr(settings, limit) == Settings.model_fields[limit].default, limit


async def demo_variables(db) -> tuple[dict[str, dict], dict[str, str]]:
    """The demo, plus a file on its shared project and a sync run of that project's customer (the demo has
    none); the variables of each query, and the token of who asks it."""
    await demo.load(db)
    async with db.transaction() as session:
        main = await session.scalar(
            select(m.Project).where(m.Project.id.in_(select(m.Project.main_project_id))).order_by(m.Project.id))
        company = await session.get(m.Company, main.company_id)
        admin = await session.scalar(select(m.CoWorker).where(
            m.CoWorker.company_id == company.id, m.CoWorker.role == m.Role.ADMIN).order_by(m.CoWorker.id))
        admin_email = await session.scalar(select(m.User.email).where(m.User.id == admin.user_id))
        session.add(m.SharePointSyncRun(
            company_id=company.id, customer_id=main.customer_id, project_id=main.id,
            direction=m.SyncDirection.FROM_SHAREPOINT, trigger=m.SyncTrigger.MANUAL, status=m.SyncStatus.DONE,
            requested_by_id=admin.id, created_count=2, errors=[],
        ))
        # A timesheet: the week of the latest hours on a secondary project (a partner's co-worker in their
        # home company, where the timesheet shows the main project), else of the latest hours anywhere.
        on_secondary = m.TimeRecord.project_id.in_(select(m.Project.id).where(m.Project.main_project_id.is_not(None)))
        record = (await session.scalar(select(m.TimeRecord).where(on_secondary).order_by(m.TimeRecord.date.desc()))
                  or await session.scalar(select(m.TimeRecord).order_by(m.TimeRecord.date.desc())))
        worker = await session.get(m.CoWorker, record.co_worker_id)
        worker_email = await session.scalar(select(m.User.email).where(m.User.id == worker.user_id))
        worker_company = await session.scalar(select(m.Company.database_name).where(m.Company.id == worker.company_id))
        # The task board: of whoever has the first task assigned.
        task = await session.scalar(select(m.Task).where(m.Task.assignee_id.is_not(None)).order_by(m.Task.id))
        assignee = await session.get(m.CoWorker, task.assignee_id)
        assignee_email = await session.scalar(select(m.User.email).where(m.User.id == assignee.user_id))
        assignee_company = await session.scalar(
            select(m.Company.database_name).where(m.Company.id == assignee.company_id))
        monday = record.date - dt.timedelta(days=record.date.weekday())
        first_day = await session.scalar(select(func.min(m.TimeRecord.date)))
        last_day = await session.scalar(select(func.max(m.TimeRecord.date)))
    await add_file(db, SeededCompany(company.id, company.database_name), "kick-off.pdf", project_id=main.id)
    admin_token, _ = await create_token(db, db.settings, email=admin_email, company=company.database_name)
    worker_token, _ = await create_token(db, db.settings, email=worker_email, company=worker_company)
    assignee_token, _ = await create_token(db, db.settings, email=assignee_email, company=assignee_company)
    project, customer = gid("Project", main.id), gid("Customer", main.customer_id)
    variables = {
        "project list with secondaries and their co-workers": {},
        "a company's partners": {"companyId": gid("Company", company.id)},
        "a week's timesheet": {"coWorkerId": gid("CoWorker", worker.id), "from": monday.isoformat(),
                               "to": (monday + dt.timedelta(days=6)).isoformat()},
        "a project page": {"id": project},
        "an hours report": {"filter": {"from": first_day.isoformat(), "to": last_day.isoformat()}},
        "the task board": {},
        "a project's files": {"projectId": project},
        "customers with contacts": {},
        "a reconciliation": {"projectId": project, "from": first_day.isoformat(), "to": last_day.isoformat()},
        "sync runs": {"customerId": customer},
    }
    tokens = {name: admin_token for name in variables} | {
        "a week's timesheet": worker_token, "the task board": assignee_token}
    return variables, tokens


async def test_the_ten_front_end_queries_run_on_the_demo_under_the_default_limits(db, client):
    variables, tokens = await demo_variables(db)
    answers = {}
    for name, (query, expected) in FRONT_END_QUERIES.items():
        response = await client.post("/graphql", json={"query": query, "variables": variables[name]},
                                     headers={"Authorization": f"Bearer {tokens[name]}"})
        body = response.json()
        assert response.status_code == 200, (name, body)
        assert "errors" not in body, (name, body["errors"])
        cost = body["extensions"]["cost"]
        assert cost["maximumQueryCost"] == DEFAULT_MAX_COST
        assert cost["requestedQueryCost"] == expected, name
        assert 0 < cost["actualQueryCost"] <= expected, name
        answers[name] = body["data"]

    # Each ran on data, not on empty lists.
    projects = answers["project list with secondaries and their co-workers"]["projects"]["nodes"]
    shared = [p for p in projects if p["secondaryProjects"]]
    assert shared and all(s["coWorkers"] and s["company"]["name"] for s in shared[0]["secondaryProjects"])
    company = answers["a company's partners"]["node"]
    assert company["partners"] and all(p["complete"] for p in company["partners"])
    assert len(company["partnerGroup"]["members"]) == len(company["partners"]) + 1
    assert answers["a week's timesheet"]["timeRecords"]["nodes"]
    page = answers["a project page"]["node"]
    assert page["secondaryProjects"] and page["members"]["nodes"] and page["activities"]["nodes"]
    report = answers["an hours report"]["hoursReport"]
    assert report["total"]["recordCount"] > 0 and report["byCoWorker"] and report["byMonth"]
    assert answers["the task board"]["taskBoard"]["nodes"]
    assert [f["name"] for f in answers["a project's files"]["files"]["nodes"]] == ["kick-off.pdf"]
    assert any(c["contacts"] for c in answers["customers with contacts"]["customers"]["nodes"])
    assert answers["a reconciliation"]["partnerHoursReconciliation"]["mainHours"] is not None
    [run] = answers["sync runs"]["sharePointSyncRuns"]["nodes"]
    assert (run["status"], run["created"]) == ("DONE", 2)
