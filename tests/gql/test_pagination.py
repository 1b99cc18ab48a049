"""Keyset paging: every row exactly once, in order, across pages, for top-level and nested connections."""
import base64
import datetime as dt
import json
import random

import pytest

from tests.factories import (
    add_customer, add_project, add_projects_in_bulk, add_time_records_in_bulk, company_with_staff, gid, graphql,
)

TIME_RECORDS_PAGE = """
query TimeRecordsPage($first: Int, $after: String) {
  timeRecords(first: $first, after: $after) {
    totalCount
    edges { cursor node { id date } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""

PROJECT_TIME_RECORDS_PAGE = """
query ProjectTimeRecordsPage($id: ID!, $first: Int, $after: String) {
  node(id: $id) {
    ... on Project {
      timeRecords(first: $first, after: $after) {
        totalCount
        edges { node { id date } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""

TIMESHEET_PAGE = """
query TimesheetPage($id: ID!, $first: Int, $after: String, $from: Date, $to: Date) {
  node(id: $id) {
    ... on CoWorker {
      timeRecords(first: $first, after: $after, dateFrom: $from, dateTo: $to) {
        totalCount
        edges { node { id date } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""

PROJECTS_PAGE = """
query ProjectsPage($first: Int, $after: String) {
  projects(first: $first, after: $after) {
    totalCount
    edges { node { id name } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
async def employee_with_250_time_records(db):
    """250 records of one employee on 25 days, ten a day, inserted in shuffled day order (ids don't follow dates)."""
    acme = await company_with_staff(db)
    customer_id = await add_customer(db, acme)
    project_id = await add_project(db, acme, customer_id, members=[acme["employee"]])
    days = [dt.date(2026, 1, 5) + dt.timedelta(days=i) for i in range(25)] * 10
    random.Random(7).shuffle(days)
    ids = await add_time_records_in_bulk(db, acme, project_id, acme["employee"], days)
    newest_first = [gid("TimeRecord", pk) for pk, _ in sorted(zip(ids, days), key=lambda r: (r[1], r[0]), reverse=True)]
    return acme, project_id, newest_first


async def read_all(client, query, token, *, connection, variables=None, first=100, after=None):
    """Follows endCursor until hasNextPage is false; returns the pages' connections."""
    pages = []
    while True:
        data = await graphql(client, query, {**(variables or {}), "first": first, "after": after}, token=token)
        page = connection(data)
        pages.append(page)
        if not page["pageInfo"]["hasNextPage"]:
            return pages
        after = page["pageInfo"]["endCursor"]
        assert len(pages) < 50, "paging does not end"


def ids_of(pages):
    return [edge["node"]["id"] for page in pages for edge in page["edges"]]


async def test_paging_through_250_time_records_gives_each_once_newest_first(db, client, employee_with_250_time_records):
    # given 250 time records, ten on each day
    acme, _, newest_first = employee_with_250_time_records

    # when the admin reads them a hundred at a time
    pages = await read_all(client, TIME_RECORDS_PAGE, acme["admin"].token, connection=lambda d: d["timeRecords"])

    # then three pages hold every record exactly once, newest day first and the newest record first within a day
    assert [len(p["edges"]) for p in pages] == [100, 100, 50]
    assert ids_of(pages) == newest_first
    assert [p["totalCount"] for p in pages] == [250, 250, 250]
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]
    assert pages[0]["pageInfo"]["endCursor"] == pages[0]["edges"][-1]["cursor"]


async def test_a_record_added_between_pages_neither_repeats_nor_hides_a_row(db, client, employee_with_250_time_records):
    # given the first page of 100 has been read
    acme, project_id, newest_first = employee_with_250_time_records
    token = acme["admin"].token
    first = await graphql(client, TIME_RECORDS_PAGE, {"first": 100}, token=token)

    # when a newer record arrives, and the rest is read from the cursor
    await add_time_records_in_bulk(db, acme, project_id, acme["employee"], [dt.date(2026, 12, 31)])
    rest = await read_all(
        client, TIME_RECORDS_PAGE, token, connection=lambda d: d["timeRecords"],
        after=first["timeRecords"]["pageInfo"]["endCursor"],
    )
    rest_ids = ids_of(rest)

    # then the pages after the cursor hold exactly the 150 older records
    assert ids_of([first["timeRecords"]]) + rest_ids == newest_first


async def test_paging_a_projects_time_records_through_the_loader_gives_each_once(db, client, employee_with_250_time_records):
    # given 250 time records on one project
    acme, project_id, newest_first = employee_with_250_time_records

    # when the project's records are read a hundred at a time through the nested connection
    pages = await read_all(
        client, PROJECT_TIME_RECORDS_PAGE, acme["admin"].token, connection=lambda d: d["node"]["timeRecords"],
        variables={"id": gid("Project", project_id)},
    )

    # then they come in the same order with no duplicates or gaps
    assert ids_of(pages) == newest_first
    assert pages[0]["totalCount"] == 250


async def test_a_timesheet_pages_through_a_date_window(db, client, employee_with_250_time_records):
    # given 250 time records from 5 to 29 January
    acme, _, newest_first = employee_with_250_time_records
    employee = acme["employee"]

    # when the employee reads their own hours of 10 to 19 January, 30 at a time
    pages = await read_all(
        client, TIMESHEET_PAGE, employee.token, connection=lambda d: d["node"]["timeRecords"], first=30,
        variables={"id": employee.gid, "from": "2026-01-10", "to": "2026-01-19"},
    )

    # then they get the hundred records of those ten days, newest first
    dates = [edge["node"]["date"] for page in pages for edge in page["edges"]]
    assert [len(p["edges"]) for p in pages] == [30, 30, 30, 10]
    assert dates == sorted(dates, reverse=True) and dates[0] == "2026-01-19" and dates[-1] == "2026-01-10"
    assert pages[0]["totalCount"] == 100
    assert ids_of(pages) == [i for i in newest_first if i in set(ids_of(pages))]


async def test_paging_projects_in_ascending_order_ends_after_the_last(db, client):
    # given 205 projects
    acme = await company_with_staff(db)
    await add_projects_in_bulk(db, acme, await add_customer(db, acme), 205)

    # when an admin pages through them
    pages = await read_all(client, PROJECTS_PAGE, acme["admin"].token, connection=lambda d: d["projects"])

    # then each appears once, in creation order
    names = [edge["node"]["name"] for page in pages for edge in page["edges"]]
    assert names == [f"Project {i:04d}" for i in range(1, 206)]
    assert pages[-1]["pageInfo"]["hasNextPage"] is False


async def test_asking_for_no_rows_tells_whether_there_are_any(db, client, employee_with_250_time_records):
    acme, _, _ = employee_with_250_time_records
    data = await graphql(client, TIME_RECORDS_PAGE, {"first": 0}, token=acme["admin"].token)
    assert data["timeRecords"]["edges"] == []
    assert data["timeRecords"]["pageInfo"]["hasNextPage"] is True
    assert data["timeRecords"]["pageInfo"]["endCursor"] is None


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode()


@pytest.mark.parametrize("after", [
    "garbage",
    "",
    cursor_of([1]),  # a cursor of a list ordered by id alone
    cursor_of(["not a date", 1]),
    cursor_of(["2026-01-01", "1"]),
    cursor_of(["2026-01-01", 2**40]),
    cursor_of({"date": "2026-01-01"}),
    "W" * 5000,
])
async def test_a_cursor_that_is_not_one_of_this_list_is_refused_naming_after(db, client, after):
    # given a company
    acme = await company_with_staff(db)

    # when a list is asked for rows after something that is not one of its cursors
    body = await graphql(client, TIME_RECORDS_PAGE, {"after": after}, token=acme["admin"].token, expect_errors=True)

    # then the error names `after` (an over-long one is refused before execution: no `data` at all)
    assert body.get("data") is None
    assert body["errors"][0]["extensions"] == {"code": "INVALID_INPUT", "field": "after"}
