"""The floor of each read: the same data fetched by hand-written SQL and serialised to JSON, in this process,
against the same database. No sign-in, no access rules, no GraphQL: what no API could go below."""
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bench.load import latency_summary

TIMESHEET_PERSON = text("SELECT u.name FROM co_workers c JOIN users u ON u.id = c.user_id WHERE c.id = :co_worker_id")
TIMESHEET_RECORDS = text("""
SELECT t.id, t.date, t.hours, t.description, t.status, p.number AS project_number, p.name AS project_name,
       mp.number AS main_number, mp.name AS main_name, mc.name AS main_company, a.number AS activity_number,
       a.name AS activity_name
FROM time_records t
JOIN projects p ON p.id = t.project_id
JOIN activities a ON a.id = t.activity_id
LEFT JOIN projects mp ON mp.id = p.main_project_id
LEFT JOIN companies mc ON mc.id = mp.company_id
WHERE t.co_worker_id = :co_worker_id AND t.date BETWEEN :date_from AND :date_to
ORDER BY t.date DESC, t.id DESC
LIMIT 100
""")

PROJECT = text("""
SELECT p.number, p.name, p.status, p.start_date, p.end_date, c.name AS customer, lu.name AS leader
FROM projects p JOIN customers c ON c.id = p.customer_id
LEFT JOIN co_workers l ON l.id = p.leader_id LEFT JOIN users lu ON lu.id = l.user_id
WHERE p.id = :project_id
""")
PROJECT_MEMBERS = text("""
SELECT u.name, u.email FROM project_members pm JOIN co_workers c ON c.id = pm.co_worker_id
JOIN users u ON u.id = c.user_id WHERE pm.project_id = :project_id ORDER BY pm.id LIMIT 100
""")
PROJECT_RECORDS = text("""
SELECT t.id, t.date, t.hours, t.description, t.status, u.name AS co_worker, a.number AS activity_number,
       a.name AS activity_name
FROM (SELECT * FROM time_records WHERE project_id = :project_id ORDER BY date DESC, id DESC LIMIT 100) t
JOIN co_workers c ON c.id = t.co_worker_id JOIN users u ON u.id = c.user_id JOIN activities a ON a.id = t.activity_id
ORDER BY t.date DESC, t.id DESC
""")

NESTED_PROJECTS = text("SELECT id, number, name FROM projects WHERE company_id = :company_id ORDER BY id LIMIT 50")
NESTED_RECORDS = text("""
SELECT t.project_id, t.id, t.date, t.hours, u.name AS co_worker, a.name AS activity
FROM (SELECT time_records.*, row_number() OVER (PARTITION BY project_id ORDER BY date DESC, id DESC) AS position
      FROM time_records WHERE project_id IN :project_ids) t
JOIN co_workers c ON c.id = t.co_worker_id JOIN users u ON u.id = c.user_id JOIN activities a ON a.id = t.activity_id
WHERE t.position <= 20
ORDER BY t.project_id, t.position
""").bindparams(bindparam("project_ids", expanding=True))


REPORT_WHERE = "t.project_id = :project_id AND t.date BETWEEN :date_from AND :date_to"
REPORT_TOTAL = text(f"SELECT sum(t.hours) AS hours, count(*) AS record_count FROM time_records t WHERE {REPORT_WHERE}")
REPORT_BY_CO_WORKER = text(f"""
SELECT g.hours, g.record_count, u.name, c.home_company_id <> c.company_id AS is_external
FROM (SELECT co_worker_id, sum(hours) AS hours, count(*) AS record_count FROM time_records t WHERE {REPORT_WHERE}
      GROUP BY co_worker_id) g
JOIN co_workers c ON c.id = g.co_worker_id JOIN users u ON u.id = c.user_id ORDER BY u.name
""")
REPORT_BY_ACTIVITY = text(f"""
SELECT g.hours, g.record_count, a.number, a.name
FROM (SELECT activity_id, sum(hours) AS hours, count(*) AS record_count FROM time_records t WHERE {REPORT_WHERE}
      GROUP BY activity_id) g
JOIN activities a ON a.id = g.activity_id ORDER BY a.number
""")
MONTH = {"sqlite": "strftime('%Y-%m', t.date)", "postgresql": "to_char(t.date, 'YYYY-MM')"}


def _rows(result) -> list[dict[str, Any]]:
    return [dict(row) for row in result.mappings()]


async def timesheet(connection: AsyncConnection, args: dict[str, Any]) -> dict:
    name = await connection.scalar(TIMESHEET_PERSON, {"co_worker_id": args["co_worker_id"]})
    records = _rows(await connection.execute(TIMESHEET_RECORDS, {
        "co_worker_id": args["co_worker_id"], "date_from": args["from"], "date_to": args["to"]}))
    return {"name": name, "timeRecords": records}


async def project_page(connection: AsyncConnection, args: dict[str, Any]) -> dict:
    project = _rows(await connection.execute(PROJECT, args))[0]
    project["members"] = _rows(await connection.execute(PROJECT_MEMBERS, args))
    project["timeRecords"] = _rows(await connection.execute(PROJECT_RECORDS, args))
    return project


async def projects_nested(connection: AsyncConnection, args: dict[str, Any]) -> dict:
    projects = _rows(await connection.execute(NESTED_PROJECTS, args))
    by_id = {p["id"]: {**p, "timeRecords": []} for p in projects}
    for record in _rows(await connection.execute(NESTED_RECORDS, {"project_ids": list(by_id)})):
        by_id[record.pop("project_id")]["timeRecords"].append(record)
    return {"projects": list(by_id.values())}


async def hours_report(connection: AsyncConnection, args: dict[str, Any]) -> dict:
    params = {"project_id": args["project_id"], "date_from": args["from"], "date_to": args["to"]}
    month = MONTH[connection.dialect.name]
    by_month = text(f"SELECT {month} AS month, sum(t.hours) AS hours, count(*) AS record_count FROM time_records t "
                    f"WHERE {REPORT_WHERE} GROUP BY {month} ORDER BY 1")
    return {
        "total": _rows(await connection.execute(REPORT_TOTAL, params))[0],
        "byCoWorker": _rows(await connection.execute(REPORT_BY_CO_WORKER, params)),
        "byActivity": _rows(await connection.execute(REPORT_BY_ACTIVITY, params)),
        "byMonth": _rows(await connection.execute(by_month, params)),
    }


FLOORS: dict[str, Callable[[AsyncConnection, dict[str, Any]], Awaitable[dict]]] = {
    "timesheet": timesheet, "project_page": project_page, "projects_nested": projects_nested,
    "hours_report": hours_report,
}


async def measure_floor(engine: AsyncEngine, name: str, args_for: Callable[[int], dict[str, Any]], *,
                        count: int, warmup: int) -> dict:
    """Fetch and serialise `count` times one after the other (after `warmup` untimed), each from a pooled
    connection as a server would take one; the latencies and statements per fetch."""
    fetch = FLOORS[name]
    latencies: list[float] = []
    sizes: list[int] = []
    for index in range(warmup + count):
        started = time.perf_counter()
        async with engine.connect() as connection:
            data = await fetch(connection, args_for(index))
        body = json.dumps({"data": data}, default=str)
        if index >= warmup:
            latencies.append(time.perf_counter() - started)
            sizes.append(len(body))
    return {"requests": count, **latency_summary(latencies), "statements": STATEMENTS[name],
            "median_json_bytes": sorted(sizes)[len(sizes) // 2]}


STATEMENTS = {"timesheet": 2, "project_page": 3, "projects_nested": 2, "hours_report": 4}
