"""Loaders for shared projects (SPEC §3): a main project's secondaries with their co-workers, and a secondary's
main project as its partner company is told about it.

Both are keyed by a project the viewer has already been allowed to see (a main project, or a secondary project):
seeing one side of a shared project shows the other side's number, name, status and company, nothing more.
"""
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from domain import model as m
from domain.platform.db import Reads
from gql.loaders.base import Loader
from gql.loaders.by_id import MAX_BATCH

ProjectId = int


@dataclass(frozen=True)
class ProjectSummary:
    """What the other company of a shared project sees of a project: no rates, customer or members."""

    id: int
    company_id: int
    number: int
    name: str
    status: m.ProjectStatus
    external_co_worker_ids: list[int] = field(default_factory=list)


def _summary(row) -> ProjectSummary:
    return ProjectSummary(row.id, row.company_id, row.number, row.name, row.status)


class SecondaryProjectsByMainLoader(Loader[ProjectId, list[ProjectSummary]]):
    """A main project's secondaries, each with the main company's external co-workers from that company who
    are members of the main project. Two statements for any number of main projects."""

    def __init__(self, db: Reads) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db

    async def batch_load_fn(self, keys):
        mains = set(keys)
        found: dict[ProjectId, list[ProjectSummary]] = defaultdict(list)
        async with self.db.read() as session:
            secondaries = await session.execute(
                select(m.Project.id, m.Project.company_id, m.Project.number, m.Project.name, m.Project.status,
                       m.Project.main_project_id).where(m.Project.main_project_id.in_(mains)).order_by(m.Project.id))
            for row in secondaries:
                found[row.main_project_id].append(_summary(row))
            members = await session.execute(
                select(m.ProjectMember.project_id, m.CoWorker.id, m.CoWorker.home_company_id)
                .join(m.CoWorker, m.CoWorker.id == m.ProjectMember.co_worker_id)
                .where(m.ProjectMember.project_id.in_(mains), m.CoWorker.home_company_id != m.CoWorker.company_id)
                .order_by(m.CoWorker.id))
            for project_id, co_worker_id, home_company_id in members:
                for summary in found[project_id]:
                    if summary.company_id == home_company_id:
                        summary.external_co_worker_ids.append(co_worker_id)
        return [found[key] for key in keys]


class MainProjectSummaryLoader(Loader[ProjectId, ProjectSummary | None]):
    """A main project by id, as its secondary projects' companies see it."""

    def __init__(self, db: Reads) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db = db

    async def batch_load_fn(self, keys):
        async with self.db.read() as session:
            rows = await session.execute(
                select(m.Project.id, m.Project.company_id, m.Project.number, m.Project.name, m.Project.status)
                .where(m.Project.id.in_(set(keys))))
            found = {row.id: _summary(row) for row in rows}
        return [found.get(key) for key in keys]
