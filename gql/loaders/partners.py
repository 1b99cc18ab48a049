"""The partner-company loaders of one request: groups and their members, a company's current group, its
number series, and the state of its partner links."""
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from domain import model as m
from domain.platform.db import Reads
from domain.access.policy import visible
from domain.access.viewer import Viewer
from domain.partners.links import PartnerPair, read_partner_pairs
from gql.loaders.base import Loader
from gql.loaders.by_id import MAX_BATCH
from gql.loaders.shared_projects import MainProjectSummaryLoader, SecondaryProjectsByMainLoader

GroupId = int
CompanyId = int


class MembersByGroupLoader(Loader[tuple[GroupId, bool], list[tuple[m.PartnerGroupMember, m.Company]]]):
    """A group's members with their companies (key: group id, and whether to include former members).

    Seeing a group means seeing who is in it: the member companies' names and settings come with the
    membership, also for an operator, who sees no company as a node."""

    def __init__(self, db: Reads, viewer: Viewer) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db, self.viewer = db, viewer

    async def batch_load_fn(self, keys):
        groups = {group_id for group_id, _ in keys}
        found: dict[GroupId, list] = defaultdict(list)
        async with self.db.read() as session:
            rows = await session.execute(
                select(m.PartnerGroupMember, m.Company)
                .join(m.Company, m.Company.id == m.PartnerGroupMember.company_id)
                .where(
                    m.PartnerGroupMember.group_id.in_(groups),
                    visible(self.viewer, m.PartnerGroupMember),
                )
                .order_by(m.PartnerGroupMember.id)
            )
            for member, company in rows:
                found[member.group_id].append((member, company))
        return [
            [(mb, c) for mb, c in found[group_id] if former or mb.left_at is None] for group_id, former in keys
        ]


class GroupByCompanyLoader(Loader[CompanyId, m.PartnerGroup | None]):
    """The group a company is in now, when the viewer may see it."""

    def __init__(self, db: Reads, viewer: Viewer) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db, self.viewer = db, viewer

    async def batch_load_fn(self, keys):
        async with self.db.read() as session:
            rows = await session.execute(
                select(m.PartnerGroupMember.company_id, m.PartnerGroup)
                .join(m.PartnerGroup, m.PartnerGroup.id == m.PartnerGroupMember.group_id)
                .where(
                    m.PartnerGroupMember.company_id.in_(set(keys)), m.PartnerGroupMember.left_at.is_(None),
                    visible(self.viewer, m.PartnerGroup),
                )
            )
            found = {company_id: group for company_id, group in rows}
        return [found.get(key) for key in keys]


class NumberSeriesByCompanyLoader(Loader[CompanyId, list[m.NumberSeries]]):
    def __init__(self, db: Reads, viewer: Viewer) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db, self.viewer = db, viewer

    async def batch_load_fn(self, keys):
        found: dict[CompanyId, list] = defaultdict(list)
        async with self.db.read() as session:
            rows = await session.scalars(
                select(m.NumberSeries)
                .where(
                    m.NumberSeries.company_id.in_(set(keys)),
                    visible(self.viewer, m.NumberSeries),
                )
                .order_by(m.NumberSeries.kind)
            )
            for series in rows:
                found[series.company_id].append(series)
        return [found[key] for key in keys]


class PartnerPairsByCompanyLoader(Loader[CompanyId, list[PartnerPair]]):
    """Every partner of a company with the state of both links; for the company's admins only."""

    def __init__(self, db: Reads, viewer: Viewer) -> None:
        super().__init__(max_batch_size=MAX_BATCH)
        self.db, self.viewer = db, viewer

    async def batch_load_fn(self, keys):
        pairs: dict[CompanyId, list[PartnerPair]] = {}
        asked = admin_companies(self.viewer, keys)
        if asked:  # (no read at all when the viewer sees none of their partners)
            async with self.db.read() as session:
                pairs = await read_partner_pairs(session, asked)
        return [pairs.get(key, []) for key in keys]


def admin_companies(viewer: Viewer, keys) -> list[CompanyId]:
    """Those of these companies whose partners the viewer sees: where they are an admin."""
    admin_of = set(viewer.companies_where([m.Role.ADMIN]))
    return sorted({key for key in keys if key in admin_of})


async def partner_pairs(session, viewer: Viewer, keys) -> dict[CompanyId, list[PartnerPair]]:
    """The partner pairs of these companies the viewer sees (the loader's, and the compiled execution's)."""
    asked = admin_companies(viewer, keys)
    return await read_partner_pairs(session, asked) if asked else {}


@dataclass
class PartnerLoaders:
    members_by_group: MembersByGroupLoader
    group_by_company: GroupByCompanyLoader
    number_series_by_company: NumberSeriesByCompanyLoader
    pairs_by_company: PartnerPairsByCompanyLoader
    secondary_projects_by_main: SecondaryProjectsByMainLoader
    main_project_summary: MainProjectSummaryLoader

    @classmethod
    def for_request(cls, db: Reads, viewer: Viewer) -> "PartnerLoaders":
        return cls(
            MembersByGroupLoader(db, viewer), GroupByCompanyLoader(db, viewer),
            NumberSeriesByCompanyLoader(db, viewer), PartnerPairsByCompanyLoader(db, viewer),
            SecondaryProjectsByMainLoader(db), MainProjectSummaryLoader(db),
        )
