"""Recurring task series (issue 18 item 4): taskSeriesCreate, -Update, -Stop and -MakeTasks, the daily job that makes
each period's task once, and the series and period on Task and the task board."""
import asyncio
import datetime as dt

from sqlalchemy import func, select, update

from domain import model as m
from domain.model import Recurrence
from domain.platform.job_worker import Worker
from domain.platform.jobs import Policy
from domain.task_series.daily import queue_daily_task_series
from domain.task_series.periods import Period, period_start
from domain.task_series.service import make_company_tasks
from partnergraph.composition import registry
from tests.factories import add_customer, add_project, company_with_staff, gid, graphql
from tests.gql.test_statement_count import counting_statements

SERIES = """
id name frequency firstPeriod { label } lastPeriod { label }
project { name } activity { name } assignee { name }
tasks { totalCount nodes { number name dueDate period { year period label start end } series { name frequency } } }
"""

SERIES_CREATE = f"""
mutation Create($input: TaskSeriesCreateInput!) {{
  taskSeriesCreate(input: $input) {{ series {{ {SERIES} }} userErrors {{ field message code }} }}
}}
"""

SERIES_UPDATE = f"""
mutation Update($input: TaskSeriesUpdateInput!) {{
  taskSeriesUpdate(input: $input) {{ series {{ {SERIES} }} userErrors {{ field code }} }}
}}
"""

SERIES_STOP = f"""
mutation Stop($input: TaskSeriesStopInput!) {{
  taskSeriesStop(input: $input) {{ series {{ {SERIES} }} userErrors {{ field code }} }}
}}
"""

SERIES_MAKE_TASKS = f"""
mutation Make($input: TaskSeriesMakeTasksInput!) {{
  taskSeriesMakeTasks(input: $input) {{ series {{ {SERIES} }} userErrors {{ field code }} }}
}}
"""

TASK_CREATE = """
mutation($input: TaskCreateInput!) { taskCreate(input: $input) { task { number } userErrors { code } } }
"""

TASK_UPDATE = """
mutation($input: TaskUpdateInput!) { taskUpdate(input: $input) { task { name series { name } } userErrors { code } } }
"""

BOARD = """
query { taskBoard(first: 100) { nodes { number name series { id name frequency } period { year period label } } } }
"""

NODE = "query($id: ID!) { node(id: $id) { ... on RecurringTaskSeries { name tasks { totalCount } } } }"
SERIES_TASK_NAMES = """
query($id: ID!) { node(id: $id) { ... on RecurringTaskSeries { name tasks { nodes { id name } } } } }
"""
PROJECT_SERIES = """
query($id: ID!) { node(id: $id) { ... on Project { taskSeries { totalCount nodes { name firstPeriod { label } } } } } }
"""


def errors(data, name):
    return [(e["field"], e["code"]) for e in data[name]["userErrors"]]


def months_ago(months: int, day: dt.date | None = None) -> dt.date:
    day = day or dt.datetime.now(dt.UTC).date()
    month = day.month - 1 - months
    return dt.date(day.year + month // 12, month % 12 + 1, 1)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def a_project(db, *, name="Accounts"):
    acme = await company_with_staff(db)
    project = await add_project(db, acme, await add_customer(db, acme), name, members=[acme["employee"]])
    async with db.read() as session:
        activity = await session.scalar(select(func.min(m.Activity.id)).where(m.Activity.project_id == project))
    return acme, project, activity


async def create(client, token, **fields) -> dict:
    data = await graphql(client, SERIES_CREATE, {"input": fields}, token=token)
    assert data["taskSeriesCreate"]["userErrors"] == [], data
    return data["taskSeriesCreate"]["series"]


async def counts(db) -> tuple[int, int]:
    async with db.read() as session:
        return (await session.scalar(select(func.count()).select_from(m.RecurringTaskSeries)),
                await session.scalar(select(func.count()).select_from(m.Task)))


# --- creating a series ----------------------------------------------------------------


async def test_a_monthly_series_makes_the_task_of_each_begun_month_numbered_as_tasks_are(db, client):
    # given a company whose task 1 is a one-off task
    acme, project, activity = await a_project(db)
    leader = acme["leader"].token
    await graphql(client, TASK_CREATE, {"input": {"companyId": acme.gid, "name": "One-off"}}, token=leader)

    # when the leader creates a monthly series that began two months ago, for the employee
    series = await create(client, leader, name="VAT return", projectId=gid("Project", project),
                          activityId=gid("Activity", activity), frequency="MONTHLY",
                          firstPeriod=months_ago(2).replace(day=17).isoformat(), assigneeId=acme["employee"].gid)

    # then the three months begun so far each have a task, numbered after task 1, with its period
    months = [Period(Recurrence.MONTHLY, months_ago(n)) for n in (2, 1, 0)]
    assert series["firstPeriod"] == {"label": months[0].label} and series["lastPeriod"] is None
    assert (series["project"], series["activity"], series["assignee"]) == (
        {"name": "Accounts"}, {"name": "Activity 1"}, {"name": "Employee"})
    assert series["tasks"]["totalCount"] == 3
    assert series["tasks"]["nodes"] == [{
        "number": number, "name": "VAT return", "dueDate": month.end.isoformat(),
        "period": {"year": month.year, "period": month.number, "label": month.label,
                   "start": month.start.isoformat(), "end": month.end.isoformat()},
        "series": {"name": "VAT return", "frequency": "MONTHLY"},
    } for number, month in zip((2, 3, 4), months)]
    # and the employee's task board shows the series and the period of each
    board = (await graphql(client, BOARD, token=acme["employee"].token))["taskBoard"]["nodes"]
    assert [(t["number"], t["series"]["name"], t["series"]["id"], t["period"]["label"]) for t in board] == [
        (number, "VAT return", series["id"], month.label) for number, month in zip((2, 3, 4), months)]
    # and a new one-off task takes the next number
    data = await graphql(client, TASK_CREATE, {"input": {"companyId": acme.gid, "name": "Next"}}, token=leader)
    assert data["taskCreate"]["task"]["number"] == 5


async def test_weekly_quarterly_and_yearly_periods_are_labelled_by_iso_week_quarter_and_year(db, client):
    acme, project, _ = await a_project(db)
    token = acme["admin"].token
    cases = {"WEEKLY": (today() - dt.timedelta(days=7), Recurrence.WEEKLY),
             "QUARTERLY": (today(), Recurrence.QUARTERLY), "YEARLY": (today(), Recurrence.YEARLY)}
    for frequency, (first, recurrence) in cases.items():
        series = await create(client, token, name=f"Every {frequency}", projectId=gid("Project", project),
                              frequency=frequency, firstPeriod=first.isoformat())
        expected = [Period(recurrence, start) for start in
                    sorted({period_start(recurrence, first), period_start(recurrence, today())})]
        assert [t["period"]["label"] for t in series["tasks"]["nodes"]] == [p.label for p in expected], frequency
    week = Period(Recurrence.WEEKLY, dt.date(2026, 1, 26))
    assert (week.label, week.start, week.end) == ("2026-W05", dt.date(2026, 1, 26), dt.date(2026, 2, 1))
    assert Period(Recurrence.QUARTERLY, period_start(Recurrence.QUARTERLY, dt.date(2026, 8, 9))).label == "2026-Q3"


async def test_a_series_starting_later_has_no_task_yet_and_an_employee_creates_one_for_themself(db, client):
    acme, project, _ = await a_project(db)
    next_year = dt.date(today().year + 1, 3, 1)
    series = await create(client, acme["employee"].token, name="Annual report", projectId=gid("Project", project),
                          frequency="YEARLY", firstPeriod=next_year.isoformat(),
                          lastPeriod=dt.date(today().year + 3, 1, 1).isoformat())
    assert series["tasks"]["totalCount"] == 0
    assert series["assignee"] == {"name": "Employee"}
    assert (series["firstPeriod"], series["lastPeriod"]) == (
        {"label": str(next_year.year)}, {"label": str(today().year + 3)})


async def test_bad_series_input_is_refused_naming_the_field_and_nothing_is_written(db, client):
    acme, project, activity = await a_project(db)
    other_project = await add_project(db, acme, await add_customer(db, acme, "Other AS"), "Other")
    closed = await add_project(db, acme, await add_customer(db, acme, "Closed AS"), "Closed")
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == closed).values(status=m.ProjectStatus.CLOSED))
    foreign = await company_with_staff(db, "foreign")
    foreign_project = await add_project(db, foreign, await add_customer(db, foreign), "Foreign")
    good = {"name": "VAT return", "projectId": gid("Project", project), "frequency": "MONTHLY",
            "firstPeriod": today().isoformat()}
    cases = [
        ({"name": "  "}, ("name", "INVALID_INPUT")),
        ({"name": "x" * 201}, ("name", "INVALID_INPUT")),
        ({"lastPeriod": months_ago(1).isoformat()}, ("lastPeriod", "INVALID_INPUT")),
        ({"firstPeriod": months_ago(101).isoformat()}, ("firstPeriod", "INVALID_INPUT")),
        ({"projectId": gid("Project", foreign_project)}, ("projectId", "NOT_FOUND")),
        ({"projectId": gid("Project", closed)}, ("projectId", "PROJECT_CLOSED")),
        ({"projectId": "not-an-id"}, ("projectId", "INVALID_INPUT")),
        ({"projectId": gid("Project", other_project), "activityId": gid("Activity", activity)},
         ("activityId", "INVALID_INPUT")),
        ({"assigneeId": foreign["employee"].gid}, ("assigneeId", "NOT_FOUND")),
    ]
    for fields, expected in cases:
        data = await graphql(client, SERIES_CREATE, {"input": {**good, **fields}}, token=acme["admin"].token)
        assert errors(data, "taskSeriesCreate") == [expected], fields
    # an employee gives no series to others, and sees no project they are not a member of
    employee = acme["employee"].token
    data = await graphql(client, SERIES_CREATE, {"input": {**good, "assigneeId": acme["colleague"].gid}}, token=employee)
    assert errors(data, "taskSeriesCreate") == [("assigneeId", "FORBIDDEN")]
    data = await graphql(client, SERIES_CREATE, {"input": {**good, "projectId": gid("Project", other_project)}},
                         token=employee)
    assert errors(data, "taskSeriesCreate") == [("projectId", "NOT_FOUND")]
    # an unknown frequency is no value of the enum: refused before anything runs, naming the field
    body = await graphql(client, SERIES_CREATE, {"input": {**good, "frequency": "DAILY"}}, token=acme["admin"].token,
                         expect_errors=True)
    assert "frequency" in body["errors"][0]["message"] and "DAILY" in body["errors"][0]["message"]
    assert await counts(db) == (0, 0)


# --- changing and stopping it ------------------------------------------------------------


async def test_renaming_a_series_renames_its_tasks_and_stopping_it_ends_its_tasks(db, client):
    acme, project, _ = await a_project(db)
    leader = acme["leader"].token
    series = await create(client, leader, name="VAT return", projectId=gid("Project", project), frequency="MONTHLY",
                          firstPeriod=months_ago(1).isoformat(), assigneeId=acme["employee"].gid)

    data = await graphql(client, SERIES_UPDATE, {"input": {"id": series["id"], "name": "VAT report",
                                                           "lastPeriod": dt.date(2099, 5, 20).isoformat()}},
                         token=leader)
    renamed = data["taskSeriesUpdate"]["series"]
    assert (renamed["name"], renamed["lastPeriod"]) == ("VAT report", {"label": "2099-05"})
    assert {t["name"] for t in renamed["tasks"]["nodes"]} == {"VAT report"}
    # null clears the end
    data = await graphql(client, SERIES_UPDATE, {"input": {"id": series["id"], "lastPeriod": None}}, token=leader)
    assert data["taskSeriesUpdate"]["series"]["lastPeriod"] is None

    # stopping it after the current period: its last period is this month, and making tasks makes none more
    data = await graphql(client, SERIES_STOP, {"input": {"id": series["id"]}}, token=leader)
    assert data["taskSeriesStop"]["series"]["lastPeriod"] == {"label": Period(Recurrence.MONTHLY, months_ago(0)).label}
    data = await graphql(client, SERIES_STOP, {"input": {"id": series["id"], "after": months_ago(1).isoformat()}},
                         token=leader)
    stopped = data["taskSeriesStop"]["series"]
    assert stopped["lastPeriod"] == {"label": Period(Recurrence.MONTHLY, months_ago(1)).label}
    assert stopped["tasks"]["totalCount"] == 2  # the tasks already made stay
    data = await graphql(client, SERIES_MAKE_TASKS, {"input": {"id": series["id"]}}, token=leader)
    assert data["taskSeriesMakeTasks"]["series"]["tasks"]["totalCount"] == 2
    assert await make_company_tasks(db, acme.id, on=today() + dt.timedelta(days=400)) == 0


async def test_bad_changes_are_refused_naming_the_field(db, client):
    acme, project, _ = await a_project(db)
    leader = acme["leader"].token
    series = await create(client, leader, name="VAT return", projectId=gid("Project", project), frequency="MONTHLY",
                          firstPeriod=months_ago(1).isoformat(), assigneeId=acme["employee"].gid)
    cases = [
        (SERIES_UPDATE, {"name": ""}, ("name", "INVALID_INPUT")),
        (SERIES_UPDATE, {"name": "y" * 201}, ("name", "INVALID_INPUT")),
        (SERIES_UPDATE, {"lastPeriod": months_ago(2).isoformat()}, ("lastPeriod", "INVALID_INPUT")),
        (SERIES_UPDATE, {"assigneeId": "nope"}, ("assigneeId", "INVALID_INPUT")),
        (SERIES_STOP, {"after": months_ago(2).isoformat()}, ("after", "INVALID_INPUT")),
    ]
    for operation, fields, expected in cases:
        data = await graphql(client, operation, {"input": {"id": series["id"], **fields}}, token=leader)
        name = "taskSeriesUpdate" if operation is SERIES_UPDATE else "taskSeriesStop"
        assert errors(data, name) == [expected], fields
    # the assignee changes the series but hands it to nobody else; a colleague does not see it at all
    employee, colleague = acme["employee"].token, acme["colleague"].token
    data = await graphql(client, SERIES_UPDATE, {"input": {"id": series["id"], "assigneeId": acme["colleague"].gid}},
                         token=employee)
    assert errors(data, "taskSeriesUpdate") == [("assigneeId", "FORBIDDEN")]
    for operation, name in ((SERIES_UPDATE, "taskSeriesUpdate"), (SERIES_STOP, "taskSeriesStop"),
                            (SERIES_MAKE_TASKS, "taskSeriesMakeTasks")):
        data = await graphql(client, operation, {"input": {"id": series["id"]}}, token=colleague)
        assert errors(data, name) == [("id", "NOT_FOUND")]
    # an employee who sees the series (a member of its project) but is not its assignee may not change it
    data = await graphql(client, SERIES_UPDATE, {"input": {"id": series["id"], "assigneeId": None}}, token=leader)
    data = await graphql(client, SERIES_STOP, {"input": {"id": series["id"]}}, token=employee)
    assert errors(data, "taskSeriesStop") == [("id", "FORBIDDEN")]
    async with db.read() as session:
        row = await session.scalar(select(m.RecurringTaskSeries))
    assert (row.name, row.last_period, row.assignee_id) == ("VAT return", None, None)


async def test_a_series_is_read_as_its_tasks_are(db, client):
    acme, project, _ = await a_project(db)
    series = await create(client, acme["admin"].token, name="VAT return", projectId=gid("Project", project),
                          frequency="MONTHLY", firstPeriod=today().isoformat())
    seen = {}
    for key in ("admin", "leader", "employee", "colleague", "external"):
        seen[key] = (await graphql(client, NODE, {"id": series["id"]}, token=acme[key].token))["node"]
    # the employee is a member of the project; the colleague and the external are not, nor assigned
    assert seen == {"admin": {"name": "VAT return", "tasks": {"totalCount": 1}},
                    "leader": {"name": "VAT return", "tasks": {"totalCount": 1}},
                    "employee": {"name": "VAT return", "tasks": {"totalCount": 1}},
                    "colleague": None, "external": None}
    other = await company_with_staff(db, "other")
    assert (await graphql(client, NODE, {"id": series["id"]}, token=other["admin"].token))["node"] is None

    # the project lists its series, also one that has no task yet, to whoever sees them
    later = dt.date(today().year + 1, 1, 1)
    await create(client, acme["leader"].token, name="Annual report", projectId=gid("Project", project),
                 frequency="YEARLY", firstPeriod=later.isoformat())
    listed = await graphql(client, PROJECT_SERIES, {"id": gid("Project", project)}, token=acme["employee"].token)
    assert listed["node"]["taskSeries"] == {"totalCount": 2, "nodes": [
        {"name": "VAT return", "firstPeriod": {"label": Period(Recurrence.MONTHLY, months_ago(0)).label}},
        {"name": "Annual report", "firstPeriod": {"label": str(later.year)}}]}
    assert (await graphql(client, PROJECT_SERIES, {"id": gid("Project", project)}, token=acme["colleague"].token)
            )["node"] is None


# --- the daily job ------------------------------------------------------------------------


async def test_the_daily_job_makes_each_periods_task_once_however_many_workers_run_it(db, client):
    acme, project, _ = await a_project(db)
    series = await create(client, acme["admin"].token, name="Weekly check", projectId=gid("Project", project),
                          frequency="WEEKLY", firstPeriod=(today() - dt.timedelta(days=14)).isoformat(),
                          makeTasks=False)
    assert series["tasks"]["totalCount"] == 0
    kinds = registry()
    assert "task_series.make_tasks" in kinds.names()

    # two workers' clocks queue today's run once
    await asyncio.gather(Worker(db, kinds, Policy()).run_periodic(), Worker(db, kinds, Policy()).run_periodic())
    async with db.read() as session:
        jobs = list(await session.scalars(select(m.Job).where(m.Job.kind == "task_series.make_tasks")))
        assert [(j.payload["company_id"], j.payload["day"]) for j in jobs] == [(acme.id, today().isoformat())]
    # and two workers run it, and a third makes the same periods at once: each period's task is made once
    await asyncio.gather(Worker(db, kinds, Policy()).run_one(), Worker(db, kinds, Policy()).run_one(),
                         make_company_tasks(db, acme.id))
    data = await graphql(client, NODE, {"id": series["id"]}, token=acme["admin"].token)
    assert data["node"]["tasks"]["totalCount"] == 3  # two weeks back, last week, this week
    async with db.read() as session:
        numbers = sorted(await session.scalars(select(m.Task.number)))
    assert numbers == [1, 2, 3]

    # a week later the next run makes the new week's task
    next_week = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    assert await queue_daily_task_series(db, now=next_week) == 1
    assert await queue_daily_task_series(db, now=next_week) == 0
    assert await make_company_tasks(db, acme.id, on=next_week.date()) == 1
    # a closed project's series gets no more tasks
    async with db.transaction() as session:
        await session.execute(update(m.Project).where(m.Project.id == project).values(status=m.ProjectStatus.CLOSED))
    assert await make_company_tasks(db, acme.id, on=next_week.date() + dt.timedelta(days=7)) == 0
    data = await graphql(client, SERIES_MAKE_TASKS, {"input": {"id": series["id"]}}, token=acme["admin"].token)
    assert errors(data, "taskSeriesMakeTasks") == [("projectId", "PROJECT_CLOSED")]


async def test_the_database_keeps_one_task_per_series_and_period(db, client):
    acme, project, _ = await a_project(db)
    series = await create(client, acme["admin"].token, name="VAT return", projectId=gid("Project", project),
                          frequency="MONTHLY", firstPeriod=today().isoformat())
    async with db.read() as session:
        task = await session.scalar(select(m.Task))
    try:
        async with db.transaction() as session:
            session.add(m.Task(company_id=acme.id, number=99, name="again", project_id=project,
                               series_id=task.series_id, period_start=task.period_start))
    except Exception as error:  # the unique constraint, on either database
        assert "unique" in str(error).lower() or "duplicate" in str(error).lower(), error
    else:
        raise AssertionError("a second task of one period was stored")
    assert series["tasks"]["totalCount"] == 1


async def test_the_series_and_period_of_a_board_of_tasks_cost_as_many_statements_for_3_tasks_as_for_12(db, client):
    acme, project, _ = await a_project(db)
    employee = acme["employee"]

    async def board_statements() -> tuple[int, int]:
        with counting_statements(db, skip_begin=True) as statements:
            nodes = (await graphql(client, BOARD, token=employee.token))["taskBoard"]["nodes"]
        assert all(t["series"] and t["period"] for t in nodes)
        return len(nodes), len(statements)

    await create(client, acme["admin"].token, name="VAT return", projectId=gid("Project", project),
                 frequency="MONTHLY", firstPeriod=months_ago(2).isoformat(), assigneeId=employee.gid)
    three = await board_statements()
    await create(client, acme["admin"].token, name="Weekly check", projectId=gid("Project", project),
                 frequency="WEEKLY", firstPeriod=(today() - dt.timedelta(weeks=8)).isoformat(),
                 assigneeId=employee.gid)
    twelve = await board_statements()
    assert (three[0], twelve[0]) == (3, 12)
    assert three[1] == twelve[1]


async def test_renaming_one_task_of_a_series_renames_the_series_and_its_other_tasks(db, client):
    acme, project, _ = await a_project(db)
    leader = acme["leader"].token
    series = await create(client, leader, name="VAT return", projectId=gid("Project", project), frequency="MONTHLY",
                          firstPeriod=months_ago(2).isoformat())
    read = await graphql(client, SERIES_TASK_NAMES, {"id": series["id"]}, token=leader)
    first_task = read["node"]["tasks"]["nodes"][0]["id"]

    data = await graphql(client, TASK_UPDATE, {"input": {"id": first_task, "name": "VAT report"}}, token=leader)
    assert data["taskUpdate"]["task"] == {"name": "VAT report", "series": {"name": "VAT report"}}
    read = await graphql(client, SERIES_TASK_NAMES, {"id": series["id"]}, token=leader)
    assert (read["node"]["name"], {t["name"] for t in read["node"]["tasks"]["nodes"]}) == ("VAT report", {"VAT report"})
