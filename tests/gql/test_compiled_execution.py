"""The compiled execution gives byte for byte the general executor's answers: random valid selections over the
types it covers (hypothesis), on the demo and on a small benchmark data set, as every kind of caller (each
selection as one of them, in turn), through real HTTP on both databases. How many of them were compiled and how
many fell back is printed."""
import datetime as dt
import functools
import json
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from bench.dataset import generate
from domain import model as m
from domain.access.tokens import create_token
from domain.demo import companies as demo
from gql.compiled import shapes
from gql.compiled import execution
from gql.compiled.execution import RUNS
from gql.compiled.run import Run
from gql.schema import schema
from tests.factories import (
    add_customer, add_project, add_projects_in_bulk, add_time_records, add_time_records_in_bulk, company_with_staff, gid,
)
from tests.http.apps import client_for

GRAPHQL = schema._schema
NODE_TYPES = ["Project", "CoWorker", "TimeRecord", "Customer", "Activity", "Milestone", "Company", "File", "Contact",
              "Expense", "Task", "RecurringTaskSeries"]
# Now and then a field the planner does not cover, so the fallback is exercised too.
UNCOVERED = {"Project": ["secondaryProjects { name }", "sharePointSyncRuns { totalCount }"],
             "Customer": ["sharePointSyncRuns { totalCount }"], "Contact": [], "Expense": [], "Task": ["period { label }"],
             "RecurringTaskSeries": ["firstPeriod { label }"], "InternalInvoicingBasis": [], "InternalInvoiceLine": [],
             "InternalInvoiceTotal": [], "SharedProjectMargin": [], "PartnerMargin": [],
             "PartnerHoursReconciliation": [], "PartnerCoWorkerHours": [], "PartnerHoursDiscrepancy": [],
             "CustomerMatch": [],
             "Company": ["partnerGroup { name }"], "PartnerStatus": [], "PartnerLink": [],
             "PartnerSetupStep": ["company { id }"], "CompanySettings": ["numberSeries { kind policy }"], "CoWorker": [],
             "TimeRecord": [], "Activity": [], "Milestone": [], "ProjectMember": [], "HoursTotal": [],
             "CoWorkerHours": [], "ActivityHours": [], "ProjectHours": [], "MonthHours": [],
             "Viewer": ["invitations { companyName }"], "File": ["url", "task { id }"]}
# The types a Federation gateway may ask `_entities` for.
ENTITY_TYPES = {member.name for member in GRAPHQL.get_type("_Entity").types}
# The lists' enum filters.
ENUM_FILTERS = {"projects": ("status", m.ProjectStatus), "timeRecords": ("status", m.HourStatus),
                "customers": ("status", m.CustomerStatus), "coWorkers": ("role", m.Role),
                "taskBoard": ("status", m.TaskStatus)}
# An hours report's filters (as variables, made per request from the data set's ids).
REPORT_FILTERS = {
    "none": lambda ids, rng: None,
    "project": lambda ids, rng: {"projectId": rng.choice(ids["Project"])},
    "coWorker": lambda ids, rng: {"coWorkerId": rng.choice(ids["CoWorker"])},
    "period": lambda ids, rng: {"from": "2026-01-01", "to": "2026-06-30", "invoiced": False},
    "companies": lambda ids, rng: {"companyIds": ids["Company"][:2], "external": rng.choice([True, False])},
}
EXAMPLES, REPORTS, MEMBERS, VIEWERS, LISTS = 62, 12, 6, 4, 3  # LISTS: of each top-level list
# Types and pages covered later than the first ones: a few selections of each for sure (the mixed draw above
# may miss one of eleven types).
NEWER_TYPES, NEWER_EXAMPLES = ["Contact", "Expense", "Task", "RecurringTaskSeries"], 4
RESOLVED = 16  # partnerHoursReconciliation, internalInvoicingBasis, sharedProjectMargin and customerMatches


def _fields(type_name: str, depth: int):
    """A strategy of a selection set's text on `type_name`, nested at most `depth` levels more."""
    covered = shapes.SHAPES[type_name].fields
    graphql_type = GRAPHQL.get_type(type_name)
    leaves = [name for name, spec in covered.items()
              if isinstance(spec, (shapes.Column, shapes.Computed, shapes.Derived, shapes.Batched))]
    relations = [name for name, spec in covered.items()
                 if isinstance(spec, (shapes.ToOne, shapes.Embedded, shapes.ByIds, shapes.Nested, shapes.Loaded))
                 and spec.target in shapes.SHAPES
                 ] if depth > 0 else []
    lists_ = [name for name, spec in covered.items()
              if isinstance(spec, (shapes.Children, shapes.ChildList))] if depth > 0 else []
    assert all(name in graphql_type.fields for name in covered)

    @st.composite
    def draw(data):
        parts = data(st.lists(st.sampled_from(leaves + ["__typename"]), min_size=1, max_size=5, unique=True))
        for name in data(st.lists(st.sampled_from(relations), max_size=2, unique=True)) if relations else []:
            parts.append(f"{name} {{ {data(_fields(covered[name].target, depth - 1))} }}")
        for name in data(st.lists(st.sampled_from(lists_), max_size=1)) if lists_ else []:
            parts.append(data(_connection(name, covered[name], depth - 1)))
        if UNCOVERED[type_name] and data(st.integers(0, 9)) == 0:
            parts.append(data(st.sampled_from(UNCOVERED[type_name])))
        if data(st.booleans()):
            alias = data(st.sampled_from(["a", "b"]))
            parts.append(f"{alias}: {data(st.sampled_from(leaves))}")
        return " ".join(parts)

    return draw()


@st.composite
def _connection(data, name: str, spec: shapes.Children | shapes.ChildList, depth: int, filters: str = "") -> str:
    if isinstance(spec, shapes.ChildList):  # a plain list
        return f"{name} {{ {data(_fields(spec.target, depth))} }}"
    arguments = f"first: {data(st.integers(0, 6))}" + filters
    if spec.dated and data(st.booleans()):
        arguments += ' dateFrom: "2026-01-01"'
    nodes = data(_fields(spec.target, depth))
    shape = data(st.sampled_from(["nodes", "edges", "both"]))
    parts = []
    if shape in ("nodes", "both"):
        parts.append(f"nodes {{ {nodes} }}")
    if shape in ("edges", "both"):
        parts.append(f"edges {{ cursor node {{ {nodes} }} }}")
    if data(st.booleans()):
        parts.append("pageInfo { hasNextPage hasPreviousPage startCursor endCursor }")
    if data(st.booleans()):
        parts.append("totalCount")
    return f"{name}({arguments}) {{ {' '.join(parts)} }}"


@st.composite
def _report(data) -> tuple[str, str]:
    """An hoursReport with some of its totals and records, and which filter it takes."""
    parts = []
    report = shapes.SHAPES["HoursReport"].fields
    for name in data(st.lists(st.sampled_from(sorted(report)), min_size=1, max_size=4, unique=True)):
        if name == "records":
            parts.append(data(_connection(name, shapes.Children("", report[name].target), 1)))
        else:
            parts.append(f"{name} {{ {data(_fields(report[name].target, 1))} }}")
    if data(st.booleans()):
        parts.append("__typename")
    return ("query R($filter: HoursReportFilter) { hoursReport(filter: $filter) { " + " ".join(parts) + " } }",
            "report:" + data(st.sampled_from(sorted(REPORT_FILTERS))))


@st.composite
def _viewer(data) -> tuple[str, str]:
    """The caller: their user's fields and co-workers."""
    return f"query {{ viewer {{ {data(_fields('Viewer', 2))} }} }}", ""


@st.composite
def _project_page(data, name: str) -> tuple[str, str]:
    """A project's members page (their hourlyRate is their project's company's to see), or its expenses."""
    page = data(_connection(name, shapes.SHAPES["Project"].fields[name], 1))
    return f"query Q($id: ID!) {{ node(id: $id) {{ ... on Project {{ id {page} }} }} }}", "Project"


ROOT_LISTS = ["projects", "timeRecords", "coWorkers", "files", "customers", "taskBoard"]


@st.composite
def _root_list(data, spec: str | None = None) -> tuple[str, str]:
    """A top-level list, now and then with its enum filter."""
    spec = spec or data(st.sampled_from(ROOT_LISTS))
    target = shapes.ROOT_LISTS[spec].target
    filters = ""
    if spec in ENUM_FILTERS and data(st.booleans()):
        argument, enum = ENUM_FILTERS[spec]
        filters = f" {argument}: {data(st.sampled_from([value.value for value in enum]))}"
    return f"query {{ {data(_connection(spec, shapes.Children('', target), 2, filters))} }}", ""


@st.composite
def _resolved(data) -> tuple[str, str]:
    """A root answered by its own resolver: a main project's partner hours reconciliation or margin, a shared
    project's internal invoicing basis (as any caller: most are refused, the general executor's error), or the customers of
    the group like one of the data set's."""
    which = data(st.integers(0, 3))
    if which == 3:
        selection = data(_fields("SharedProjectMargin", 2))
        return ('query Q($id: ID!) { sharedProjectMargin(projectId: $id, from: "2026-01-01", '
                f'to: "2026-12-31") {{ {selection} }} }}', "MainProject")
    if which == 2:
        selection = data(_fields("InternalInvoicingBasis", 2))
        return ('query Q($id: ID!) { internalInvoicingBasis(projectId: $id, from: "2026-01-01", '
                f'to: "2026-12-31") {{ {selection} }} }}', "SharedProject")
    if which == 1:
        selection = data(_fields("PartnerHoursReconciliation", 2))
        return ('query Q($id: ID!) { partnerHoursReconciliation(projectId: $id, from: "2026-01-01", '
                f'to: "2026-12-31") {{ {selection} }} }}', "MainProject")
    selection = data(_fields("CustomerMatch", 1))
    return (f"query Q($id: ID!, $name: String) {{ customerMatches(companyId: $id, name: $name) {{ {selection} }} }}",
            "matches")


@st.composite
def _query(data, types: tuple[str, ...] = tuple(NODE_TYPES)) -> tuple[str, str]:
    type_name = data(st.sampled_from(types))
    if len(types) > 1 and data(st.integers(0, 4)) == 0:
        return data(_root_list())
    selection = data(_fields(type_name, 2))
    way = data(st.sampled_from(["inline", "fragment", "entities"] if type_name in ENTITY_TYPES else
                               ["inline", "fragment"]))
    if way == "fragment":  # the same selection through a named fragment
        return (f"query Q($id: ID!) {{ node(id: $id) {{ id ...F }} }} fragment F on {type_name} {{ {selection} }}",
                type_name)
    if way == "entities":  # as a Federation gateway asks
        return (f"query E($reps: [_Any!]!) {{ _entities(representations: $reps) {{ ... on {type_name} {{ {selection} "
                f"}} }} }}", f"entities:{type_name}")
    return f"query Q($id: ID!) {{ node(id: $id) {{ ... on {type_name} {{ {selection} }} }} }}", type_name


@functools.cache
def generated_queries() -> tuple[tuple[str, str], ...]:
    """The selections (the same every run: derandomized), made once per process."""
    found: list[tuple[str, str]] = []

    def collect(strategy, examples: int) -> None:
        @settings(max_examples=examples, database=None, derandomize=True, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def run(query):
            found.append(query)

        run()

    collect(_query(), EXAMPLES)
    collect(_report(), REPORTS)
    collect(_project_page("members"), MEMBERS)
    collect(_viewer(), VIEWERS)
    for name in ROOT_LISTS:
        collect(_root_list(name), LISTS)
    for type_name in NEWER_TYPES:
        collect(_query((type_name,)), NEWER_EXAMPLES)
    collect(_project_page("expenses"), NEWER_EXAMPLES)
    collect(_resolved(), RESOLVED)
    return tuple(found)


async def _tokens(db, main: str = demo.COMPANIES[0].database_name) -> dict[str, str | None]:
    """A token per kind of caller of the data set's main company, and of a company outside the group."""
    async with db.read() as session:
        company_id = await session.scalar(select(m.Company.id).where(m.Company.database_name == main))
        rows = (await session.execute(select(m.CoWorker.role, m.User.email).join(m.User)
                                      .where(m.CoWorker.company_id == company_id).order_by(m.CoWorker.id))).all()
    by_role = {}
    for role, email in rows:
        by_role.setdefault(role, email)
    tokens: dict[str, str | None] = {}
    for role in (m.Role.ADMIN, m.Role.PROJECT_LEADER, m.Role.EMPLOYEE, m.Role.EXTERNAL):
        tokens[role.value] = (await create_token(db, db.settings, email=by_role[role], company=main))[0]
    outside = await company_with_staff(db, "outside-company")
    tokens["OUTSIDE_COMPANY"] = outside["admin"].token
    tokens["ANONYMOUS"] = None
    return tokens


async def _ids(db) -> dict[str, list[str]]:
    models = {"Project": m.Project, "CoWorker": m.CoWorker, "TimeRecord": m.TimeRecord, "Customer": m.Customer,
              "Activity": m.Activity, "Milestone": m.Milestone, "Company": m.Company, "File": m.File,
              "Contact": m.Contact, "Expense": m.Expense, "Task": m.Task, "RecurringTaskSeries": m.RecurringTaskSeries}
    found = {}
    async with db.read() as session:
        for name, model in models.items():
            pks = list(await session.scalars(select(model.id).order_by(model.id)))
            found[name] = [gid(name, pk) for pk in pks]
        found["MainProject"] = [gid("Project", pk) for pk in await session.scalars(
            select(m.Project.main_project_id).where(m.Project.main_project_id.is_not(None)).distinct())]
        found["SharedProject"] = found["MainProject"] + [gid("Project", pk) for pk in await session.scalars(
            select(m.Project.id).where(m.Project.main_project_id.is_not(None)))]
        found["CustomerName"] = list(await session.scalars(select(m.Customer.name).order_by(m.Customer.id)))
    return found


def _variables(kind: str, ids: dict[str, list[str]], rng: random.Random) -> dict:
    if not kind:
        return {}
    if kind.startswith("report:"):
        return {"filter": REPORT_FILTERS[kind.removeprefix("report:")](ids, rng)}
    if kind.startswith("entities:"):  # one to three representations, now and then with an id of another type
        type_name = kind.removeprefix("entities:")
        choices = ids[type_name] or [gid(type_name, 1)]
        return {"reps": [{"__typename": type_name, "id": rng.choice(choices if rng.random() < 0.8 else ids["Company"])}
                         for _ in range(rng.randint(1, 3))]}
    if kind == "matches":
        return {"id": rng.choice(ids["Company"]), "name": rng.choice(ids["CustomerName"] or ["none"])}
    if kind in ("MainProject", "SharedProject"):
        return {"id": rng.choice(ids[kind] or ids["Project"])}
    return {"id": rng.choice(ids[kind] or [gid(kind, 1)])}  # the demo has no files: a missing one


async def _answer(client, query: str, variables: dict, token: str | None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return response.status_code, response.content


async def _data_set(db, name: str) -> str:
    """Loads the demo, or the API benchmark's data set at a hundredth of its scale; the main company's name."""
    if name == "demo":
        await demo.load(db)
        return demo.COMPANIES[0].database_name
    return (await generate(db, factor=0.01, seed=9, write_targets=1)).main_company


# Which caller asks the first selection of each data set: the callers take the selections in turn, from a
# different one on each data set, so each caller meets every kind of selection over the two.
FIRST_CALLER = {"demo": 0, "bench": 3}


@pytest.mark.parametrize("data_set", ["demo", "bench"])
async def test_random_selections_answer_the_same_compiled_and_on_the_general_executor_for_every_caller(db, data_set):
    main = await _data_set(db, data_set)
    tokens, ids = await _tokens(db, main), await _ids(db)
    callers = list(tokens.items())
    rng = random.Random(17)
    queries = generated_queries()
    before = RUNS.copy()
    found = 0
    asked: dict[str, int] = {caller: 0 for caller in tokens}
    limits = {"rate_limit": False, "max_query_cost": 10**6, "execution_check": False}
    async with client_for(db, compiled_execution=True, **limits) as compiled, \
            client_for(db, compiled_execution=False, **limits) as reference:
        for index, (query, type_name) in enumerate(queries):
            variables = _variables(type_name, ids, rng)
            caller, token = callers[(index + FIRST_CALLER[data_set]) % len(callers)]
            got = await _answer(compiled, query, variables, token)
            expected = await _answer(reference, query, variables, token)
            assert got == expected, (caller, query, variables, got, expected)
            asked[caller] += 1
            found += any(value is not None for value in (json.loads(expected[1]).get("data") or {}).values())
    runs = {way: RUNS[way] - before[way] for way in ("compiled", "handed back", "unplanned")}
    print(f"\n{data_set}: {len(queries)} answers compared, each generated selection as one caller in turn "
          f"({', '.join(f'{caller} {n}' for caller, n in asked.items())}): {found} with something found; "
          f"{runs['compiled']} compiled, {runs['handed back']} handed back, {runs['unplanned']} not planned "
          "(anonymous callers run on the general executor)")
    # Every caller asked, and the generator is not vacuous: many answers are compiled, and many find something.
    assert min(asked.values()) >= len(queries) // len(callers)
    assert runs["compiled"] > len(queries) / 3 and found > len(queries) / 4


async def _a_project(db) -> tuple[str, str]:
    acme = await company_with_staff(db)
    project_id = await add_project(db, acme, await add_customer(db, acme))
    return acme["admin"].token, gid("Project", project_id)


PROJECT_NAME = "query ProjectName($id: ID!) { node(id: $id) { ... on Project { name } } }"


async def test_a_compiled_answer_that_differs_from_the_general_executors_is_a_logged_500_under_the_check(
        db, client, monkeypatch, caplog):
    # given a project, and a compiled execution that answers wrongly (the suite runs with the check on)
    token, project = await _a_project(db)

    async def wrong(_run, _plan):
        return {"node": {"name": "not the project's name"}}

    monkeypatch.setattr(Run, "data", wrong)
    # when a covered query is asked
    status, body = await _answer(client, PROJECT_NAME, {"id": project}, token)
    # then the answer is refused as an internal error, and the difference is logged
    assert status == 500, body
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert any("ExecutionMismatch" in record.getMessage() or (record.exc_info and "compiled" in str(record.exc_info[1]))
               for record in caplog.records)


async def test_a_difference_that_does_not_show_again_is_a_write_in_between_not_a_mismatch(db, client, monkeypatch):
    # given a project, and a compiled execution that differs from the general executor's once only, as when a
    # write commits between the two runs (each read sees what is committed when it runs)
    token, project = await _a_project(db)
    right = Run.data
    calls = []

    async def stale_once(run, plan):
        calls.append(plan)
        return {"node": {"name": "as it was before"}} if len(calls) == 1 else await right(run, plan)

    monkeypatch.setattr(Run, "data", stale_once)
    # when a covered query is asked
    status, body = await _answer(client, PROJECT_NAME, {"id": project}, token)
    # then the check ran the pair again and answered the project as it is
    assert status == 200, body
    assert json.loads(body)["data"]["node"]["name"] != "as it was before"
    assert len(calls) == 2


async def test_with_the_check_off_the_compiled_answer_is_given_without_the_general_executor(db, monkeypatch):
    token, project = await _a_project(db)
    async with client_for(db, execution_check=False) as client:
        before = RUNS["compiled"]
        status, body = await _answer(client, PROJECT_NAME, {"id": project}, token)
    assert status == 200 and json.loads(body)["data"]["node"]["name"]
    assert RUNS["compiled"] == before + 1


HOURS = """query Hours($id: ID!, $from: Date) { node(id: $id) { ... on Project { name
  leader { name } timeRecords(first: 10, dateFrom: $from) { totalCount nodes { hours date coWorker { name } } } } } }"""


async def test_statements_built_once_per_plan_are_run_with_each_viewers_own_values(db, client):
    # given a project with hours of two employees, one of whom leads nothing (the suite runs with the check on:
    # each compiled answer below is also compared with the general executor's)
    acme = await company_with_staff(db)
    project = await add_project(db, acme, await add_customer(db, acme), leader=acme["leader"],
                                members=[acme["employee"], acme["colleague"]])
    await add_time_records(db, acme, project, acme["employee"], count=3)
    await add_time_records(db, acme, project, acme["colleague"], count=2)
    before = RUNS["compiled"]
    # when the same document is asked by callers who see different hours, again and again, in turn
    seen = {}
    for _round in range(2):
        for who in ("employee", "colleague", "admin", "employee"):
            status, body = await _answer(client, HOURS, {"id": gid("Project", project), "from": "2026-03-03"},
                                         acme[who].token)
            assert status == 200, body
            node = json.loads(body)["data"]["node"]
            seen.setdefault(who, node)
            assert node == seen[who], who  # the same caller gets the same answer each time
    # then each caller sees only their own hours (the admin all), from the cached statements
    records = {who: node["timeRecords"] for who, node in seen.items()}
    assert records["employee"]["totalCount"] == 2 and records["colleague"]["totalCount"] == 1
    assert records["admin"]["totalCount"] == 3
    names = {who: {r["coWorker"]["name"] for r in records[who]["nodes"]} for who in ("employee", "colleague")}
    assert len(names["employee"]) == 1 and len(names["colleague"]) == 1 and names["employee"] != names["colleague"]
    assert RUNS["compiled"] == before + 8
    # and the plan kept one statement per level and form, however many callers ran it
    plan = next(plan for _operation, plan in execution._plans.entries.values()
                if plan is not None and plan.roots[0].key == "node" and "Project" in plan.roots[0].by_type
                and [f.key for f in plan.roots[0].by_type["Project"].fields][:2] == ["name", "leader"])
    project_plan = plan.roots[0].by_type["Project"]
    # one shape of access (members of a company), on this database
    assert len([key for key in project_plan.statements if key[2] == db.engine.dialect.name]) == 1
    records_plan = next(f for f in project_plan.fields if f.key == "timeRecords")
    assert {key[0] for key in records_plan.statements if key != "relation"} == {
        ("page", (False, True), 1), ("count", (False, True))}  # one project's page: one SELECT … LIMIT


PAGES = """query Pages($company: ID!, $projects: Int!, $after: String) {
  projects(first: $projects, companyId: $company) { nodes { number
    timeRecords(first: 2, after: $after) { nodes { id date } pageInfo { hasNextPage endCursor } } } } }"""


async def test_each_parents_page_of_children_is_its_own_latest_rows_whatever_the_number_of_parents(db, client):
    # given 70 projects, the n-th with n % 4 time records, two of them on one day (the order's ties go by id)
    acme = await company_with_staff(db)
    projects = await add_projects_in_bulk(db, acme, await add_customer(db, acme), 70, members=[acme["employee"]])
    recorded: dict[int, list[int]] = {}
    for index, project in enumerate(projects):
        days = [dt.date(2026, 3, 2), dt.date(2026, 3, 2), dt.date(2026, 3, 4)][:index % 4] + \
            [dt.date(2026, 3, 1)] * (index % 4 == 3)
        recorded[project] = await add_time_records_in_bulk(db, acme, project, acme["employee"], days) if days else []
    before = RUNS["compiled"]
    # when the projects are read with a page of two records each, for 1, 3 (padded to 4 reads), 64 and 70 parents
    # (past 64 one ranked SELECT reads them all), as the admin and as an employee (the suite's check compares each
    # compiled answer with the general executor's)
    for count in (1, 3, 64, 70):
        for who in ("admin", "employee"):
            status, body = await _answer(client, PAGES, {"company": gid("Company", acme.id), "projects": count},
                                         acme[who].token)
            assert status == 200, body
            nodes = json.loads(body)["data"]["projects"]["nodes"]
            # then each project has its own latest two: by date, then the later id first, and a next page past them
            assert len(nodes) == count
            for index, node in enumerate(nodes):
                ids = recorded[projects[index]]
                latest = sorted(range(len(ids)), key=lambda i: (["2026-03-02", "2026-03-02", "2026-03-04",
                                                                 "2026-03-01"][i], ids[i]), reverse=True)[:2]
                assert [r["id"] for r in node["timeRecords"]["nodes"]] == [gid("TimeRecord", ids[i]) for i in latest]
                assert node["timeRecords"]["pageInfo"]["hasNextPage"] == (len(ids) > 2)
    assert RUNS["compiled"] == before + 8
    # and after the fourth project's cursor (its second record: 2 March, the later id) each project's page is its
    # records past that point in the order: earlier days, or 2 March with an earlier id (all of the first three's)
    cursor = json.loads(body)["data"]["projects"]["nodes"][3]["timeRecords"]["pageInfo"]["endCursor"]
    status, body = await _answer(client, PAGES, {"company": gid("Company", acme.id), "projects": 4, "after": cursor},
                                 acme["admin"].token)
    assert status == 200, body
    assert [len(n["timeRecords"]["nodes"]) for n in json.loads(body)["data"]["projects"]["nodes"]] == [0, 1, 2, 2]
    # and the plan read pages one parent per SELECT up to 64 parents, then ranked
    plan = next(plan for _operation, plan in execution._plans.entries.values()
                if plan is not None and plan.roots[0].key == "projects"
                and "timeRecords" in {f.key for f in plan.roots[0].node_plans()[0].fields})
    records = next(f for f in plan.roots[0].node_plans()[0].fields if f.key == "timeRecords")
    assert {key[0][2] for key in records.statements if key != "relation" and key[0][0] == "page"} == {1, 4, 64, 0}
