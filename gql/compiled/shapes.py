"""What the compiled execution knows of each type it covers: the row behind it and how each field is read from
that row, as the type's resolver in gql/schema/ reads it (the reference). A field or type not listed here is
not covered: a query that selects it runs on the general executor.

Each field is one of: a column of the row (`Column`), a value computed from the row and the viewer with the
schema type's own rule (`Computed`, e.g. the rates through domain.access.policy.can_see_rates), a to-one
relation by a foreign key read with the target type's access clause (`ToOne`), a page of children through the
request loaders' Relation (`Children`), or the other side of a shared project (`LinkedMain`).
"""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain import model as m
from domain.access.policy import can_see_company_details, can_see_rates
from domain.access.viewer import Viewer
from domain.files.placement import storage_locations
from domain.files.transfers import pending_transfer_counts
from domain.files.rules import EntityKind, effective_storage_location, owner_of
from domain.model import StorageLocation
from gql.ids import to_global_id
from gql.loaders.file_tags import tag_names
from gql.loaders.partners import partner_pairs
from gql.pagination import MAX_PAGE
from gql.resolvers import files as file_lists, hours_report, lists, partner_lists


@dataclass(frozen=True)
class Column:
    key: str  # the row's attribute


@dataclass(frozen=True)
class Computed:
    keys: tuple[str, ...]  # the row's attributes it reads
    value: Callable[[Any, Viewer], Any]


@dataclass(frozen=True)
class ToOne:
    key: str  # the foreign key on this row
    target: str  # the GraphQL type of the row it names


@dataclass(frozen=True)
class Children:
    loader: str  # the Loaders attribute whose Relation (parent columns, order, criteria, policy) is reused
    target: str
    dated: bool = False  # takes dateFrom/dateTo (gql.loaders.window)


@dataclass(frozen=True)
class ChildList:
    """A plain list of children (not a page): the first MAX_PAGE of them through the loader's Relation, as the
    resolver reads them (Customer.contacts)."""
    loader: str
    target: str
    dated = False  # (takes no dates)


@dataclass(frozen=True)
class Nested:
    """Objects this one holds (a list of them, or one or None), made by the root field's own resolver (a domain
    result copied into the schema's types, e.g. a reconciliation's co-workers)."""
    key: str  # the attribute holding them
    target: str


@dataclass(frozen=True)
class Loaded:
    """A list of objects per row read by the batch function its loader uses, (session, viewer, row ids) ->
    {id: [objects]} (Company.partners: gql.loaders.partners.partner_pairs), completed as Nested ones."""
    fetch: Callable[..., Any]
    target: str


@dataclass(frozen=True)
class LinkedMain:
    key: str  # the main project's id on this row


@dataclass(frozen=True)
class Embedded:
    """An object made of the same row (Company.settings: gql.schema.partners.types.CompanySettings.of)."""
    target: str


@dataclass(frozen=True)
class Derived:
    """A value computed from the row and the row a foreign key names, read with that type's access clause (None
    when hidden or unset), as the type's resolver computes it from its loader's row."""
    key: str  # the foreign key on this row
    target: str  # the GraphQL type of the row it names
    target_columns: tuple[str, ...]  # what `value` reads of it
    keys: tuple[str, ...]  # what `value` reads of this row
    value: Callable[[Any, Any], Any]  # (row, the named row or None) -> the field's value


@dataclass(frozen=True)
class Batched:
    """A leaf value per row read by the batch function its loader uses, (session, viewer, row ids) -> {id: value};
    a row left out has `missing` (File.tags, File.effectiveStorageLocation, pendingTransferCount)."""
    fetch: Callable[..., Any]
    missing: Any


@dataclass(frozen=True)
class ByIds:
    """The rows of the ids this row lists, in that order, each read with its type's access clause; a hidden one is
    left out (Viewer.coWorkers: the loader's load_many, Nones dropped)."""
    key: str  # the row's attribute holding the ids
    target: str


@dataclass(frozen=True)
class Totals:
    """An hours report's totals (domain.hours.report): the grand total (`group` None), or one per co-worker,
    activity, project ("co_worker", "activity", "project": a GROUP_KEYS key) or month ("month")."""
    group: str | None
    target: str  # the GraphQL type of each total


@dataclass(frozen=True)
class ReportRecords:
    """An hours report's records: a page of gql.resolvers.hours_report.records."""
    target: str = "TimeRecord"


Field = (Column | Computed | ToOne | Children | ChildList | Nested | Loaded | LinkedMain | Embedded | Derived | Batched | ByIds | Totals
         | ReportRecords)


@dataclass(frozen=True)
class Shape:
    model: type | None  # None: not a table's row (an hours report's totals, domain.hours.report.GroupTotal)
    fields: dict[str, Field]
    # Columns of another table joined one-to-one (`join`: the table and the ON clause), by the label the row
    # carries them under.
    joined: dict[str, Any] = field(default_factory=dict)
    join: tuple | None = None

    def column(self, key: str):
        found = self.joined.get(key)
        return found if found is not None else getattr(self.model, key).label(key)

    def from_clause(self, query):
        if self.join is not None:
            return query.select_from(self.model).join(*self.join)
        return query


def _global_id(type_name: str) -> Computed:
    return Computed(("id",), lambda row, _viewer: to_global_id(type_name, row.id))


def _rate(key: str) -> Computed:
    return Computed((key, "company_id"), lambda row, viewer: getattr(row, key)
                    if can_see_rates(viewer, row.company_id) else None)


def _copied_from_id(type_name: str, key: str) -> Computed:
    return Computed((key,), lambda row, _viewer: None if getattr(row, key) is None
                    else to_global_id(type_name, getattr(row, key)))


def _pending_transfers(level: str) -> "Batched":
    # The loader's (gql.loaders.pending_transfers) grouped count, of the files the viewer may see.
    return Batched(lambda session, viewer, ids: pending_transfer_counts(session, viewer, level, ids), 0)


def _columns(*names: str) -> dict[str, Field]:
    return {_camel(name): Column(name) for name in names}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


SHAPES: dict[str, Shape] = {
    "Company": Shape(m.Company, {
        "id": _global_id("Company"),
        **_columns("database_name", "name", "tier", "created_at"),
        "organisationNumber": Computed(("organisation_number", "id"), lambda row, viewer: row.organisation_number
                                       if can_see_company_details(viewer, row.id) else None),
        "settings": Embedded("CompanySettings"),
        "partners": Loaded(partner_pairs, "PartnerStatus"),
    }),
    # gql.schema.partners.types: a company's partners (domain.partners.links.PartnerPair, for its admins), their
    # links and the steps still missing (not the steps' company nor partnerCompany).
    "PartnerStatus": Shape(None, {
        "outgoing": Nested("ours", "PartnerLink"), "incoming": Nested("theirs", "PartnerLink"),
        "complete": Column("complete"), "missingSteps": Nested("missing", "PartnerSetupStep"),
        "partnerCompany": ToOne("partner_company_id", "Company"),
    }),
    "PartnerLink": Shape(m.PartnerLink, {
        "id": _global_id("PartnerLink"),
        **_columns("added_at", "confirmed_at"),
        "confirmed": Computed(("confirmed_at",), lambda row, _viewer: row.confirmed_at is not None),
        "customerAttached": Computed(("customer_id",), lambda row, _viewer: row.customer_id is not None),
        "company": ToOne("company_id", "Company"),
        "partnerCompany": ToOne("partner_company_id", "Company"),
        "customer": ToOne("customer_id", "Customer"),
        "addedBy": ToOne("added_by_id", "CoWorker"),
    }),
    "PartnerSetupStep": Shape(None, {
        "step": Column("step"), "message": Column("message"),
        "companyDatabaseName": Computed(("company",), lambda row, _viewer: row.company.database_name),
        "partnerDatabaseName": Computed(("partner",), lambda row, _viewer: None if row.partner is None
                                        else row.partner.database_name),
    }),
    # Not its numberSeries (a loader of its own).
    "CompanySettings": Shape(None, _columns("partner_companies_enabled", "share_customers", "share_tasks")),
    "CoWorker": Shape(m.CoWorker, {
        "id": _global_id("CoWorker"),
        **_columns("role", "active", "title", "created_at"),
        "name": Column("user_name"),
        "email": Column("user_email"),
        "isExternal": Computed(("home_company_id", "company_id"),
                               lambda row, _viewer: row.home_company_id != row.company_id),
        "hourlyRate": _rate("hourly_rate"),
        "hourlyCost": _rate("hourly_cost"),
        "company": ToOne("company_id", "Company"),
        "homeCompany": ToOne("home_company_id", "Company"),
        "timeRecords": Children("time_records_by_co_worker", "TimeRecord", dated=True),
    }, joined={"user_name": m.User.name.label("user_name"), "user_email": m.User.email.label("user_email")},
        # CoWorker's user is a joined relationship (innerjoin) in the model too
        join=(m.User, m.User.id == m.CoWorker.user_id)),
    "Customer": Shape(m.Customer, {
        "id": _global_id("Customer"),
        **_columns("number", "name", "organisation_number", "status", "storage_location", "created_at"),
        "company": ToOne("company_id", "Company"),
        "pendingTransferCount": _pending_transfers("customer"),
        "contacts": ChildList("contacts_by_customer", "Contact"),
        "projects": Children("projects_by_customer", "Project"),
        "files": Children("files_by_customer", "File"),
    }),
    # gql.schema.customers.types.Contact (hidden from external co-workers: the policy's clause).
    "Contact": Shape(m.Contact, {
        "id": _global_id("Contact"),
        **_columns("name", "email", "phone"),
        "customer": ToOne("customer_id", "Customer"),
    }),
    "Project": Shape(m.Project, {
        "id": _global_id("Project"),
        **_columns("number", "name", "start_date", "end_date", "status", "price_model", "storage",
                   "price_model_from_main", "share_expenses", "created_at"),
        "hourlyRate": _rate("hourly_rate"),
        "fixedPrice": _rate("fixed_price"),
        "isSecondary": Computed(("main_project_id",), lambda row, _viewer: row.main_project_id is not None),
        "effectiveStorageLocation": Derived(
            "customer_id", "Customer", ("storage_location",), ("storage",), lambda row, customer:
            effective_storage_location(None if customer is None else customer.storage_location, row.storage)),
        "company": ToOne("company_id", "Company"),
        "customer": ToOne("customer_id", "Customer"),
        "leader": ToOne("leader_id", "CoWorker"),
        "mainProject": ToOne("main_project_id", "Project"),
        "mainProjectLink": LinkedMain("main_project_id"),
        "members": Children("members_by_project", "ProjectMember"),
        "activities": Children("activities_by_project", "Activity"),
        "milestones": Children("milestones_by_project", "Milestone"),
        "timeRecords": Children("time_records_by_project", "TimeRecord", dated=True),
        "expenses": Children("expenses_by_project", "Expense"),
        "files": Children("files_by_project", "File"),
        "taskSeries": Children("task_series_by_project", "RecurringTaskSeries"),
        "pendingTransferCount": _pending_transfers("project"),
    }),
    # A membership has no id of its own in the schema; its hourlyRate depends on its project's company, which
    # comes with it (its project joined).
    "ProjectMember": Shape(m.ProjectMember, {
        **_columns("created_at"),
        "hourlyRate": Computed(("hourly_rate", "project_company_id"), lambda row, viewer: row.hourly_rate
                               if can_see_rates(viewer, row.project_company_id) else None),
        "coWorker": ToOne("co_worker_id", "CoWorker"),
        "project": ToOne("project_id", "Project"),
    }, joined={"project_company_id": m.Project.company_id.label("project_company_id")},
        join=(m.Project, m.Project.id == m.ProjectMember.project_id)),
    "Activity": Shape(m.Activity, {
        "id": _global_id("Activity"),
        **_columns("number", "name", "active", "created_at"),
        "project": ToOne("project_id", "Project"),
        "copiedFrom": ToOne("source_activity_id", "Activity"),
        "copiedFromId": _copied_from_id("Activity", "source_activity_id"),
    }),
    "Milestone": Shape(m.Milestone, {
        "id": _global_id("Milestone"),
        **_columns("name", "due_date", "completed", "shown_in_plan", "created_at"),
        "project": ToOne("project_id", "Project"),
        "copiedFrom": ToOne("source_milestone_id", "Milestone"),
        "copiedFromId": _copied_from_id("Milestone", "source_milestone_id"),
    }),
    "TimeRecord": Shape(m.TimeRecord, {
        "id": _global_id("TimeRecord"),
        **_columns("date", "hours", "description", "status", "created_at", "updated_at"),
        "isMirror": Computed(("source_record_id",), lambda row, _viewer: row.source_record_id is not None),
        "company": ToOne("company_id", "Company"),
        "coWorker": ToOne("co_worker_id", "CoWorker"),
        "project": ToOne("project_id", "Project"),
        "activity": ToOne("activity_id", "Activity"),
    }),
    # gql.schema.hours.expenses.Expense.
    "Expense": Shape(m.Expense, {
        "id": _global_id("Expense"),
        **_columns("date", "amount", "currency", "description", "status", "created_at"),
        "isClone": Computed(("source_expense_id",), lambda row, _viewer: row.source_expense_id is not None),
        "company": ToOne("company_id", "Company"),
        "coWorker": ToOne("co_worker_id", "CoWorker"),
        "project": ToOne("project_id", "Project"),
    }),
    # gql.schema.projects.tasks.Task: not its period (a TaskPeriod made of its series' recurrence).
    "Task": Shape(m.Task, {
        "id": _global_id("Task"),
        **_columns("number", "name", "due_date", "status", "period_start", "created_at"),
        "company": ToOne("company_id", "Company"),
        "project": ToOne("project_id", "Project"),
        "activity": ToOne("activity_id", "Activity"),
        "assignee": ToOne("assignee_id", "CoWorker"),
        "series": ToOne("series_id", "RecurringTaskSeries"),
    }),
    # gql.schema.projects.tasks.RecurringTaskSeries: not its firstPeriod/lastPeriod (TaskPeriods).
    "RecurringTaskSeries": Shape(m.RecurringTaskSeries, {
        "id": _global_id("RecurringTaskSeries"),
        **_columns("name", "created_at"),
        "frequency": Column("recurrence"),
        "company": ToOne("company_id", "Company"),
        "project": ToOne("project_id", "Project"),
        "activity": ToOne("activity_id", "Activity"),
        "assignee": ToOne("assignee_id", "CoWorker"),
        "tasks": Children("tasks_by_series", "Task"),
    }),
}

# The hours report (gql.schema.hours.report): a total is a domain.hours.report.HoursTotal or GroupTotal, whose
# `key` names the co-worker, activity or project (read with the target's access clause, null when hidden).
_TOTAL = _columns("hours", "record_count")
SHAPES.update({
    "HoursReport": Shape(None, {
        "total": Totals(None, "HoursTotal"),
        "byCoWorker": Totals("co_worker", "CoWorkerHours"),
        "byActivity": Totals("activity", "ActivityHours"),
        "byProject": Totals("project", "ProjectHours"),
        "byMonth": Totals("month", "MonthHours"),
        "records": ReportRecords(),
    }),
    "HoursTotal": Shape(None, _TOTAL),
    "CoWorkerHours": Shape(None, {**_TOTAL, "coWorker": ToOne("key", "CoWorker")}),
    "ActivityHours": Shape(None, {**_TOTAL, "activity": ToOne("key", "Activity")}),
    "ProjectHours": Shape(None, {**_TOTAL, "project": ToOne("key", "Project")}),
    "MonthHours": Shape(None, {**_TOTAL, "month": Computed(("key",), lambda row, _viewer: hours_report.month(row))}),
})
def _entity_id(row) -> str:
    kind, pk = owner_of(row)
    return to_global_id(kind.value, pk)


# A file's metadata (gql.schema.files.types.File): not its url (the server's public address) nor its task.
SHAPES["File"] = Shape(m.File, {
    "id": _global_id("File"),
    **_columns("name", "size", "content_type", "sha256", "uploaded_at", "transfer_state", "transfer_error"),
    "sharePointChangePending": Computed(("sharepoint_changes_queued",),
                                        lambda row, _viewer: bool(row.sharepoint_changes_queued)),
    "entityId": Computed(tuple(kind.column for kind in EntityKind), lambda row, _viewer: _entity_id(row)),
    "tags": Batched(lambda session, _viewer, ids: tag_names(session, ids), ()),
    "effectiveStorageLocation": Batched(lambda session, _viewer, ids: storage_locations(session, ids),
                                        StorageLocation.CLOUD),
    "company": ToOne("company_id", "Company"),
    "uploadedBy": ToOne("uploaded_by_id", "CoWorker"),
    "customer": ToOne("customer_id", "Customer"),
    "project": ToOne("project_id", "Project"),
    "activity": ToOne("activity_id", "Activity"),
})

# The caller (Query.viewer, gql.schema.query): its row is the request's domain.access.viewer.Viewer, whose
# attributes the resolver copies. Not its invitations (a use case of their own).
SHAPES["Viewer"] = Shape(None, {
    **_columns("email", "name", "is_operator"),
    "coWorkers": ByIds("co_worker_ids", "CoWorker"),
})

# Root fields answered by their own resolver (a domain use case: its checks, arguments and errors are the
# resolver's), whose result, objects of the schema's types, the builder completes: their plain fields by
# attribute, their relations as ToOne (one statement per relation and level, the target's access clause).
RESOLVED_ROOTS = {"partnerHoursReconciliation", "customerMatches", "internalInvoicingBasis", "sharedProjectMargin"}
_DISCREPANCY_PEOPLE = {"partnerCompany": ToOne("partner_company_id", "Company"),
                       "coWorker": ToOne("co_worker_id", "CoWorker")}
SHAPES.update({
    # gql.schema.hours.reconciliation
    "PartnerHoursReconciliation": Shape(None, {
        "from": Column("from_"), **_columns("to", "balanced", "main_hours", "secondary_hours"),
        "coWorkers": Nested("co_workers", "PartnerCoWorkerHours"),
        "discrepancies": Nested("discrepancies", "PartnerHoursDiscrepancy"),
        "project": ToOne("project_id", "Project"),
    }),
    "PartnerCoWorkerHours": Shape(None, {
        **_columns("name", "main_hours", "secondary_hours", "balanced"),
        "difference": Computed(("main_hours", "secondary_hours"),
                               lambda row, _viewer: row.main_hours - row.secondary_hours),
        "discrepancies": Nested("discrepancies", "PartnerHoursDiscrepancy"),
        **_DISCREPANCY_PEOPLE,
    }),
    "PartnerHoursDiscrepancy": Shape(None, {
        **_columns("kind", "locked", "source_record_id", "mirror_record_id", "source_value", "mirror_value"),
        "mirror": ToOne("mirror_pk", "TimeRecord"),
        **_DISCREPANCY_PEOPLE,
    }),
    # gql.schema.invoicing.types
    "InternalInvoicingBasis": Shape(None, {
        **_columns("direction", "to", "currency", "grand_total"), "from": Column("from_"),
        "lines": Nested("lines", "InternalInvoiceLine"),
        "totals": Nested("totals", "InternalInvoiceTotal"),
        "project": ToOne("project_id", "Project"),
        "sellerCompany": ToOne("seller_company_id", "Company"),
        "buyerCompany": ToOne("buyer_company_id", "Company"),
    }),
    "InternalInvoiceLine": Shape(None, _columns("kind", "co_worker_name", "activity_name", "month", "hours", "rate",
                                                "amount", "entry_count")),
    "InternalInvoiceTotal": Shape(None, _columns("kind", "hours", "amount")),
    "SharedProjectMargin": Shape(None, {
        **_columns("to", "currency", "own_hours", "own_value", "partner_value", "cost", "margin"),
        "from": Column("from_"),
        "partners": Nested("partners", "PartnerMargin"),
        "project": ToOne("project_id", "Project"),
    }),
    "PartnerMargin": Shape(None, {**_columns("hours", "value", "cost", "margin"),
                                  "company": ToOne("company_id", "Company")}),
    # gql.schema.partners.queries.CustomerMatch
    "CustomerMatch": Shape(None, {
        **_columns("customer_id", "name", "status", "organisation_number"),
        "company": ToOne("company_id", "Company"),
    }),
})

# Types that are nodes: `node`/`nodes` may name them.
NODE_TYPES = [name for name, shape in SHAPES.items() if shape.model is not None and "id" in shape.fields]

# What a LinkedProject (a main project as its secondaries' companies see it) shows: gql.schema.projects.shared.
LINKED_PROJECT = {"number", "name", "status", "company"}


@dataclass(frozen=True)
class RootList:
    target: str
    listing: Callable[..., Any]  # gql.resolvers.lists: the same Listing (filters, policy, order) the resolver uses
    arguments: dict[str, str]  # GraphQL argument -> the listing's keyword (first and after are the page's)
    # A list argument longer than this is refused by the resolver (InvalidInput): the request is handed back.
    longest: dict[str, int] = field(default_factory=dict)


# Top-level lists, with their filters (an enum filter arrives as the resolver gets it: the Python enum).
ROOT_LISTS = {
    "projects": RootList("Project", lists.projects, {"companyId": "company_id", "customerId": "customer_id",
                                                    "status": "status", "leaderId": "leader_id",
                                                    "memberId": "member_id", "search": "search"}),
    "timeRecords": RootList("TimeRecord", lists.time_records, {
        "companyId": "company_id", "projectId": "project_id", "activityId": "activity_id",
        "coWorkerId": "co_worker_id", "dateFrom": "date_from", "dateTo": "date_to", "status": "status"}),
    "customers": RootList("Customer", lists.customers, {"companyId": "company_id", "status": "status",
                                                        "search": "search"}),
    "coWorkers": RootList("CoWorker", lists.co_workers, {"companyId": "company_id", "role": "role",
                                                         "active": "active", "external": "external",
                                                         "search": "search"}),
    # gql.schema.partners.queries.task_board
    "taskBoard": RootList("Task", partner_lists.task_board, {"companyIds": "company_ids", "status": "status"},
                          longest={"companyIds": MAX_PAGE}),
    "companies": RootList("Company", lists.companies, {}),
    "files": RootList("File", file_lists.files, {
        "companyId": "company_id", "entityId": "entity_id", "includeDescendants": "include_descendants",
        "tags": "tags", "search": "search", "uploadedById": "uploaded_by_id", "uploadedFrom": "uploaded_from",
        "uploadedTo": "uploaded_to"}),
}
