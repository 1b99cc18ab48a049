"""The operations the API benchmark measures: their GraphQL documents and who sends them with which variables."""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.dataset import YEAR, Dataset
from domain.access.tokens import create_token
from domain.platform.db import Database
from domain.platform.settings import Settings
from gql.ids import to_global_id

TIMESHEET = """
query Timesheet($id: ID!, $from: Date!, $to: Date!) {
  node(id: $id) {
    ... on CoWorker {
      name
      timeRecords(first: 100, dateFrom: $from, dateTo: $to) {
        nodes {
          id date hours description status
          project { number name mainProjectLink { number name company { name } } }
          activity { number name }
        }
      }
    }
  }
}
"""

PROJECT_PAGE = """
query ProjectPage($id: ID!) {
  node(id: $id) {
    ... on Project {
      number name status startDate endDate
      customer { name }
      leader { name }
      members(first: 100) { nodes { coWorker { name email } } }
      timeRecords(first: 100) {
        nodes { id date hours description status coWorker { name } activity { number name } }
      }
    }
  }
}
"""

PROJECTS_NESTED = """
query ProjectsNested($companyId: ID!) {
  projects(first: 50, companyId: $companyId) {
    nodes {
      number name
      timeRecords(first: 20) { nodes { id date hours coWorker { name } activity { name } } }
    }
  }
}
"""

HOURS_REPORT = """
query HoursReport($filter: HoursReportFilter!) {
  hoursReport(filter: $filter) {
    total { hours recordCount }
    byCoWorker { hours recordCount coWorker { name isExternal } }
    byActivity { hours recordCount activity { number name } }
    byMonth { month hours recordCount }
  }
}
"""

TIME_RECORD_CREATE = """
mutation TimeRecordCreate($input: TimeRecordCreateInput!) {
  timeRecordCreate(input: $input) { timeRecord { id } userErrors { field code message } }
}
"""

PROJECT_MEMBER_ADD = """
mutation ProjectMemberAdd($input: ProjectMemberAddInput!) {
  projectMemberAdd(input: $input) { projectMember { coWorker { id } } userErrors { field code message } }
}
"""

# Registrations go on days after the generated year, a quarter hour each, so no day passes 24 hours.
FIRST_WRITE_DAY = dt.date(2027, 1, 4)


@dataclass
class Operation:
    name: str
    kind: str  # "read" or "write"
    description: str
    request_for: Callable[[int, int], tuple[dict[str, Any], str]]  # (worker, index) -> (body, token)
    floor_args: Callable[[int], dict[str, Any]] | None = None  # index -> the floor's parameters (reads)


def _body(query: str, **variables: Any) -> dict[str, Any]:
    return {"query": query, "variables": variables}


async def reader_tokens(db: Database, settings: Settings, dataset: Dataset) -> dict[str, str]:
    """A day's token, by email, of each reader of the reads: the main company's admin and the timesheet people."""
    emails = {dataset.admins[dataset.main_company]: dataset.main_company,
              **{email: company for email, company, _ in dataset.timesheet_people}}
    return {email: (await create_token(db, settings, email=email, company=company, days=1))[0]
            for email, company in emails.items()}


def operations(dataset: Dataset, tokens: dict[str, str]) -> dict[str, Operation]:
    """`tokens` by email: the main company's admin, the timesheet people and the writers."""
    main_admin = tokens[dataset.admins[dataset.main_company]]
    people, weeks = dataset.timesheet_people, dataset.weeks

    def timesheet_args(index: int) -> dict[str, Any]:
        email, _company, co_worker_id = people[index % len(people)]
        monday = dt.date.fromisoformat(weeks[index * 7 % len(weeks)])
        return {"email": email, "co_worker_id": co_worker_id, "from": monday, "to": monday + dt.timedelta(days=6)}

    def timesheet(_worker: int, index: int):
        args = timesheet_args(index)
        return _body(TIMESHEET, id=to_global_id("CoWorker", args["co_worker_id"]), **{
            "from": args["from"].isoformat(), "to": args["to"].isoformat()}), tokens[args["email"]]

    def page_args(index: int) -> dict[str, Any]:
        return {"project_id": dataset.project_pages[index % len(dataset.project_pages)]}

    def project_page(_worker: int, index: int):
        return _body(PROJECT_PAGE, id=to_global_id("Project", page_args(index)["project_id"])), main_admin

    def nested_args(_index: int) -> dict[str, Any]:
        return {"company_id": dataset.nested_company_id}

    def nested(_worker: int, _index: int):
        return _body(PROJECTS_NESTED, companyId=to_global_id("Company", dataset.nested_company_id)), main_admin

    def report_args(index: int) -> dict[str, Any]:
        return {"project_id": dataset.report_projects[index % len(dataset.report_projects)],
                "from": dt.date(YEAR, 1, 1), "to": dt.date(YEAR, 12, 31)}

    def hours_report(_worker: int, index: int):
        args = report_args(index)
        return _body(HOURS_REPORT, filter={"projectId": to_global_id("Project", args["project_id"]),
                                           "from": args["from"].isoformat(), "to": args["to"].isoformat()}), main_admin

    writers = dataset.writers

    def registration(on_secondary: bool):
        def request(worker: int, index: int):
            writer = writers[worker % len(writers)]
            project, activity = ((writer.secondary_project_id, writer.secondary_activity_id) if on_secondary
                                 else (writer.plain_project_id, writer.plain_activity_id))
            day = FIRST_WRITE_DAY + dt.timedelta(days=index)
            return _body(TIME_RECORD_CREATE, input={
                "projectId": to_global_id("Project", project), "activityId": to_global_id("Activity", activity),
                "date": day.isoformat(), "hours": "0.25", "description": "Benchmark"}), tokens[writer.email]
        return request

    def member_add(targets: list[tuple[int, int]]):
        def request(_worker: int, index: int):
            project_id, co_worker_id = targets[index]
            return _body(PROJECT_MEMBER_ADD, input={"projectId": to_global_id("Project", project_id),
                                                    "coWorkerId": to_global_id("CoWorker", co_worker_id)}), main_admin
        return request

    found = [
        Operation("timesheet", "read", "a co-worker's week timesheet (their own token; up to 100 records with "
                  "project, partner link and activity)", timesheet, timesheet_args),
        Operation("project_page", "read", "a project page as its company's admin: the project, customer, leader, "
                  "members and the latest 100 time records with co-worker and activity", project_page, page_args),
        Operation("projects_nested", "read", "50 projects × their latest 20 time records with co-worker and "
                  "activity (the main company's admin)", nested, nested_args),
        Operation("hours_report", "read", "a main project's hours report for the year as its company's admin, "
                  "partner hours (mirrors) included: total and totals per co-worker, activity and month",
                  hours_report, report_args),
        Operation("time_record_create_plain", "write", "timeRecordCreate on an ordinary project",
                  registration(False)),
        Operation("time_record_create_secondary", "write", "timeRecordCreate on a secondary project (with its "
                  "mirror when hour mirroring is in place)", registration(True)),
        Operation("member_add_internal", "write", "projectMemberAdd of an internal co-worker on a project with "
                  "100 activities and 20 milestones", member_add(dataset.member_add_internal)),
        Operation("member_add_external", "write", "projectMemberAdd of an external co-worker on a project with "
                  "100 activities and 20 milestones (creates the partner's secondary project, copying them)",
                  member_add(dataset.member_add_external)),
    ]
    return {operation.name: operation for operation in found}


# The partner operation of each pair and its plain counterpart: the first is to stay within 1.5× the second.
WRITE_PAIRS = {"time_record_create_secondary": "time_record_create_plain",
               "member_add_external": "member_add_internal"}
