"""The loaders of one request, built fresh inside it (aiodataloader binds to the running loop)."""
from dataclasses import dataclass

from domain import model as m
from domain.db import Database
from domain.policy import Viewer
from gql.loaders.by_id import RowByIdLoader
from gql.loaders.pages import PageByParentLoader
from gql.pagination import Order



def _by_id_order(model) -> Order:
    return Order(((model.id, False),))


# Time records read newest first; the id makes the order total.
TIME_RECORDS_ORDER = Order(((m.TimeRecord.date, True), (m.TimeRecord.id, True)))


@dataclass
class Loaders:
    company_by_id: RowByIdLoader
    co_worker_by_id: RowByIdLoader
    customer_by_id: RowByIdLoader
    project_by_id: RowByIdLoader
    activity_by_id: RowByIdLoader
    milestone_by_id: RowByIdLoader
    time_record_by_id: RowByIdLoader
    file_by_id: RowByIdLoader
    contacts_by_customer: PageByParentLoader
    projects_by_customer: PageByParentLoader
    members_by_project: PageByParentLoader
    activities_by_project: PageByParentLoader
    milestones_by_project: PageByParentLoader
    time_records_by_project: PageByParentLoader
    time_records_by_member: PageByParentLoader

    @classmethod
    def for_request(cls, db: Database, viewer: Viewer) -> "Loaders":
        def by_id(model):
            return RowByIdLoader(db, viewer, model)

        def pages(model, parent, order=None, where=()):
            return PageByParentLoader(
                db, viewer, model, parent=parent, order=order or _by_id_order(model), where=where
            )

        return cls(
            company_by_id=by_id(m.Company),
            co_worker_by_id=by_id(m.CoWorker),
            customer_by_id=by_id(m.Customer),
            project_by_id=by_id(m.Project),
            activity_by_id=by_id(m.Activity),
            milestone_by_id=by_id(m.Milestone),
            time_record_by_id=by_id(m.TimeRecord),
            file_by_id=by_id(m.File),
            contacts_by_customer=pages(m.Contact, [m.Contact.customer_id]),
            projects_by_customer=pages(m.Project, [m.Project.customer_id]),
            members_by_project=pages(m.ProjectMember, [m.ProjectMember.project_id]),
            activities_by_project=pages(m.Activity, [m.Activity.project_id]),
            milestones_by_project=pages(m.Milestone, [m.Milestone.project_id]),
            time_records_by_project=pages(m.TimeRecord, [m.TimeRecord.project_id], TIME_RECORDS_ORDER),
            time_records_by_member=pages(
                m.TimeRecord, [m.TimeRecord.project_id, m.TimeRecord.co_worker_id], TIME_RECORDS_ORDER
            ),
        )
