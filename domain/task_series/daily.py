"""The daily job of recurring series: once per company and day (UTC), a job that makes the tasks of the periods
that have begun, queued by every worker's clock as the daily SharePoint sync is (domain.sharepoint.sync_runs)."""
import datetime as dt

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from domain.model import RecurringTaskSeries, TaskSeriesDailyRun, utcnow
from domain.platform import jobs
from domain.platform.db import Database
from domain.task_series.service import make_company_tasks

MAKE_TASKS_JOB = "task_series.make_tasks"


async def queue_daily_task_series(db: Database, *, now: dt.datetime | None = None) -> int:
    """For each company with a series that has begun and no run today: one job making its due tasks. The
    (company, day) row makes this happen once however many workers ask. Returns the jobs queued."""
    now = now or utcnow()
    day = now.date()
    async with db.read() as session:
        companies = set(await session.scalars(select(RecurringTaskSeries.company_id).where(
            RecurringTaskSeries.first_period <= day, RecurringTaskSeries.project_id.is_not(None))))
        done_today = set(await session.scalars(select(TaskSeriesDailyRun.company_id).where(
            TaskSeriesDailyRun.day == day)))
    queued = 0
    for company_id in sorted(companies - done_today):
        async with db.transaction() as session:
            dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
            claimed = await session.execute(dialect.insert(TaskSeriesDailyRun).values(
                company_id=company_id, day=day, queued_at=now).on_conflict_do_nothing())
            if claimed.rowcount != 1:
                continue  # another worker queued today's run
            jobs.enqueue(session, MAKE_TASKS_JOB, {"company_id": company_id, "day": day.isoformat()})
            queued += 1
    return queued


def make_tasks_job_kind() -> jobs.JobKind:
    """Makes a company's due tasks; a rerun (a retry, a second worker) finds them made and makes none."""
    async def run(db: Database, job: jobs.ClaimedJob) -> None:
        # A job run late (the workers were down) makes the tasks due by the day it runs.
        day = max(dt.date.fromisoformat(job.payload["day"]), utcnow().date())
        await make_company_tasks(db, int(job.payload["company_id"]), on=day)

    return jobs.JobKind(MAKE_TASKS_JOB, run)
