"""The loaders of one request, built fresh inside it (aiodataloader binds to the running loop).

Every relation field goes through one of these, so a query costs a fixed number of statements
however many parents it reaches: one per loader per level, never one per parent.
"""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain import model as m
from domain.platform.db import Reads
from domain.access.viewer import Viewer
from gql.loaders.by_id import RowByIdLoader
from gql.loaders.counts import CountByParentLoader
from gql.loaders.file_storage import StorageLocationByFileLoader
from gql.loaders.file_tags import TagNamesByFileLoader
from gql.loaders.invoice_lines import LinesByInvoiceLoader
from gql.loaders.pages import PageByParentLoader
from gql.loaders.pending_transfers import PendingTransferCountLoader
from gql.loaders.partners import PartnerLoaders
from gql.loaders.relation import Criteria, Relation
from gql.pagination import Order

# Time records read newest first; the id makes the order total (and the keyset exact).
TIME_RECORDS_ORDER = Order(((m.TimeRecord.date, True), (m.TimeRecord.id, True)))
# Files newest first: ids grow with uploads, and an id keyset is exact where timestamps may tie.
FILES_ORDER = Order(((m.File.id, True),))
# SharePoint sync runs newest first.
SYNC_RUNS_ORDER = Order(((m.SharePointSyncRun.id, True),))
# A series' tasks in the order of their periods (one task per period: the order is total).
TASKS_BY_PERIOD_ORDER = Order(((m.Task.period_start, False), (m.Task.id, False)))
EXPENSES_ORDER = Order(((m.Expense.date, True), (m.Expense.id, True)))


def by_id_order(model) -> Order:
    return Order(((model.id, False),))


def time_window(criteria: Criteria) -> list:
    """Criteria (date_from, date_to) of a timesheet; either may be None (or a bind parameter: gql.compiled.run)."""
    date_from, date_to = criteria
    return [
        *([m.TimeRecord.date >= date_from] if date_from is not None else []),
        *([m.TimeRecord.date <= date_to] if date_to is not None else []),
    ]


def window(date_from: dt.date | None, date_to: dt.date | None) -> Criteria:
    return () if date_from is None and date_to is None else (date_from, date_to)


@dataclass
class Children:
    """A parent's child rows: a page of them, and how many there are in all."""

    pages: PageByParentLoader
    counts: CountByParentLoader


@dataclass
class Loaders:
    company_by_id: RowByIdLoader
    co_worker_by_id: RowByIdLoader
    customer_by_id: RowByIdLoader
    contact_by_id: RowByIdLoader
    project_by_id: RowByIdLoader
    activity_by_id: RowByIdLoader
    milestone_by_id: RowByIdLoader
    time_record_by_id: RowByIdLoader
    file_by_id: RowByIdLoader
    partner_group_by_id: RowByIdLoader
    partner_link_by_id: RowByIdLoader
    task_by_id: RowByIdLoader
    task_series_by_id: RowByIdLoader
    tasks_by_series: Children
    task_series_by_project: Children
    expense_by_id: RowByIdLoader
    partners: PartnerLoaders
    contacts_by_customer: Children
    projects_by_customer: Children
    members_by_project: Children
    activities_by_project: Children
    milestones_by_project: Children
    time_records_by_project: Children
    time_records_by_member: Children
    time_records_by_co_worker: Children
    files_by_customer: Children
    files_by_project: Children
    expenses_by_project: Children
    tags_by_file: TagNamesByFileLoader
    storage_location_by_file: StorageLocationByFileLoader
    pending_transfers_by_customer: PendingTransferCountLoader
    pending_transfers_by_project: PendingTransferCountLoader
    sharepoint_sync_run_by_id: RowByIdLoader
    sharepoint_sync_runs_by_customer: Children
    sharepoint_sync_runs_by_project: Children
    internal_invoice_by_id: RowByIdLoader
    lines_by_invoice: LinesByInvoiceLoader

    @classmethod
    def built_on_use(cls, builders: dict[str, Callable[[], Any]]) -> "Loaders":
        """Loaders whose each one is built by its builder when first used."""
        loaders = cls.__new__(cls)
        loaders.__dict__["_builders"] = builders
        return loaders

    def __getattr__(self, name: str) -> Any:
        # (only for an attribute not set yet: a loader not used so far)
        builders = self.__dict__.get("_builders")
        if builders is None or name not in builders:
            raise AttributeError(name)
        built = self.__dict__[name] = builders[name]()
        return built

    @classmethod
    def for_request(cls, db: Reads, viewer: Viewer) -> "Loaders":
        def by_id(model) -> RowByIdLoader:
            return RowByIdLoader(db, viewer, model)

        def children(model, parent, order=None, criteria=None) -> Children:
            relation = Relation(model, tuple(parent), order or by_id_order(model), criteria=criteria)
            return Children(PageByParentLoader(db, viewer, relation), CountByParentLoader(db, viewer, relation))

        time_record = m.TimeRecord
        # Each built on first use: a request (or an event's delivery) uses a few of them.
        return cls.built_on_use(dict(
            company_by_id=lambda: by_id(m.Company),
            co_worker_by_id=lambda: by_id(m.CoWorker),
            customer_by_id=lambda: by_id(m.Customer),
            contact_by_id=lambda: by_id(m.Contact),
            project_by_id=lambda: by_id(m.Project),
            activity_by_id=lambda: by_id(m.Activity),
            milestone_by_id=lambda: by_id(m.Milestone),
            time_record_by_id=lambda: by_id(time_record),
            file_by_id=lambda: by_id(m.File),
            partner_group_by_id=lambda: by_id(m.PartnerGroup),
            partner_link_by_id=lambda: by_id(m.PartnerLink),
            task_by_id=lambda: by_id(m.Task),
            task_series_by_id=lambda: by_id(m.RecurringTaskSeries),
            tasks_by_series=lambda: children(m.Task, [m.Task.series_id], TASKS_BY_PERIOD_ORDER),
            task_series_by_project=lambda: children(m.RecurringTaskSeries, [m.RecurringTaskSeries.project_id]),
            expense_by_id=lambda: by_id(m.Expense),
            partners=lambda: PartnerLoaders.for_request(db, viewer),
            contacts_by_customer=lambda: children(m.Contact, [m.Contact.customer_id]),
            projects_by_customer=lambda: children(m.Project, [m.Project.customer_id]),
            members_by_project=lambda: children(m.ProjectMember, [m.ProjectMember.project_id]),
            activities_by_project=lambda: children(m.Activity, [m.Activity.project_id]),
            milestones_by_project=lambda: children(m.Milestone, [m.Milestone.project_id]),
            time_records_by_project=lambda: children(time_record, [time_record.project_id], TIME_RECORDS_ORDER, time_window),
            time_records_by_member=lambda: children(
                time_record, [time_record.project_id, time_record.co_worker_id], TIME_RECORDS_ORDER, time_window
            ),
            time_records_by_co_worker=lambda: children(
                time_record, [time_record.co_worker_id], TIME_RECORDS_ORDER, time_window
            ),
            files_by_customer=lambda: children(m.File, [m.File.customer_id], FILES_ORDER),
            files_by_project=lambda: children(m.File, [m.File.project_id], FILES_ORDER),
            expenses_by_project=lambda: children(m.Expense, [m.Expense.project_id], EXPENSES_ORDER),
            tags_by_file=lambda: TagNamesByFileLoader(db),
            storage_location_by_file=lambda: StorageLocationByFileLoader(db),
            pending_transfers_by_customer=lambda: PendingTransferCountLoader(db, viewer, "customer"),
            pending_transfers_by_project=lambda: PendingTransferCountLoader(db, viewer, "project"),
            sharepoint_sync_run_by_id=lambda: by_id(m.SharePointSyncRun),
            sharepoint_sync_runs_by_customer=lambda: children(m.SharePointSyncRun, [m.SharePointSyncRun.customer_id],
                                                      SYNC_RUNS_ORDER),
            sharepoint_sync_runs_by_project=lambda: children(m.SharePointSyncRun, [m.SharePointSyncRun.project_id],
                                                     SYNC_RUNS_ORDER),
            internal_invoice_by_id=lambda: by_id(m.InternalInvoice),
            lines_by_invoice=lambda: LinesByInvoiceLoader(db),
        ))
