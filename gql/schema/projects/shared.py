"""The other side of a shared project (SPEC §3): a main project's secondaries, a secondary's main project."""
from typing import Annotated

import strawberry

from domain import model as m
from gql.context import Info
from gql.loaders.shared_projects import ProjectSummary
from gql.schema.common import node_type
from gql.schema.companies.types import Company, CoWorker

ProjectRef = Annotated["Project", strawberry.lazy("gql.schema.projects.types")]
ProjectStatusRef = Annotated["ProjectStatus", strawberry.lazy("gql.schema.projects.types")]


@strawberry.type(description="A project on the other side of a shared project, as the other company sees it: "
                 "its company, number, name and status (never its rates or customer).")
class LinkedProject:
    number: int
    name: str
    summary: strawberry.Private[ProjectSummary]

    @classmethod
    def of(cls, summary: ProjectSummary) -> "LinkedProject":
        return cls(number=summary.number, name=summary.name, summary=summary)

    @strawberry.field
    def status(self) -> ProjectStatusRef:
        return m.ProjectStatus(self.summary.status)

    @strawberry.field
    async def company(self, info: Info) -> Company | None:
        return await Company.load(info, self.summary.company_id)

    @strawberry.field(description="The project itself, when you may see it (e.g. you work in its company).")
    async def project(self, info: Info) -> ProjectRef | None:
        return await node_type("Project").load(info, self.summary.id)

    @strawberry.field(description="For a secondary project: the main project's external co-workers from its company "
                      "(the members it was made for).")
    async def co_workers(self, info: Info) -> list[CoWorker]:
        loaded = [await CoWorker.load(info, pk) for pk in self.summary.external_co_worker_ids]
        return [c for c in loaded if c is not None]


async def secondary_projects_of(info: Info, main_project_id: int) -> list[LinkedProject]:
    summaries = await info.context.loaders.partners.secondary_projects_by_main.load(main_project_id)
    return [LinkedProject.of(s) for s in summaries]


async def main_project_of(info: Info, main_project_id: int | None) -> LinkedProject | None:
    if main_project_id is None:
        return None
    summary = await info.context.loaders.partners.main_project_summary.load(main_project_id)
    return LinkedProject.of(summary) if summary else None
