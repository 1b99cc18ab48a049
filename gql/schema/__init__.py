"""The schema: an Apollo Federation v2 subgraph, importable as `gql.schema:schema`."""
import strawberry
from strawberry.tools import merge_types

from gql.protection.anonymous import SignInRequired, guard_root_fields
from gql.protection.limits import RequestLimits
from gql.protection.persisted_query_extension import PersistedQueries
from gql.protection.query_cost import QueryCost
from gql.protection.text_limits import TextLimits, bound_mutation_inputs
from gql.schema.customers.types import Customer
from gql.compiled.execution import CompiledExecution
from gql.errors import MaskedErrors
from gql.schema.files.queries import FileQueries
from gql.schema.files.types import File
from gql.schema.hours.types import TimeRecord
from gql.schema.hours.report import HoursReportQueries
from gql.schema.projects.activity_mutations import ActivityMutations
from gql.schema.companies.co_worker_mutations import CoWorkerMutations
from gql.schema.companies.mutations import CompanyMutations
from gql.schema.customers.mutations import CustomerMutations
from gql.schema.hours.expense_mutations import ExpenseMutations
from gql.schema.files.mutations import FileMutations
from gql.schema.hours.mutations import TimeRecordMutations
from gql.schema.projects.member_mutations import ProjectMemberMutations
from gql.schema.projects.milestone_mutations import MilestoneMutations
from gql.schema.partners.mutations import PartnerMutations
from gql.schema.projects.mutations import ProjectMutations
from gql.schema.projects.task_mutations import TaskMutations
from gql.schema.projects.task_series_mutations import TaskSeriesMutations
from gql.schema.projects.tasks import RecurringTaskSeries
from gql.schema.companies.types import Company, CoWorker
from gql.schema.partners.queries import PartnerQueries
from gql.schema.partners.types import PartnerGroup
from gql.schema.projects.types import Activity, Milestone, Project
from gql.schema.query import Query
from gql.schema.companies.queries import CompanyQueries
from gql.schema.customers.queries import CustomerQueries
from gql.schema.projects.queries import ProjectQueries
from gql.schema.hours.queries import TimeRecordQueries
from gql.schema.hours.reconciliation import ReconciliationMutations, ReconciliationQueries
from gql.schema.invoicing.mutations import InvoicingMutations
from gql.schema.invoicing.queries import InvoicingQueries
from gql.schema.sharepoint.configuration import SharePointMutations, SharePointQueries
from gql.schema.sharepoint.sync import SharePointSyncMutations, SharePointSyncQueries, SharePointSyncRun
from gql.schema.events.subscriptions import EventQueries, Subscription
from gql.schema.webhooks.mutations import WebhookMutations
from gql.schema.webhooks.queries import WebhookQueries
from gql.http.websocket import ConnectionOperations

Mutation = merge_types(
    "Mutation",
    (
        CompanyMutations,
        CoWorkerMutations,
        CustomerMutations,
        ProjectMutations,
        ProjectMemberMutations,
        ActivityMutations,
        MilestoneMutations,
        TimeRecordMutations,
        ExpenseMutations,
        FileMutations,
        PartnerMutations,
        TaskMutations,
        TaskSeriesMutations,
        SharePointMutations,
        SharePointSyncMutations,
        ReconciliationMutations,
        WebhookMutations,
        InvoicingMutations,
    ),
)

class Schema(strawberry.federation.Schema):
    def process_errors(self, errors, execution_context=None) -> None:
        # Request errors and domain errors are the client's to read, not the server log's;
        # unexpected faults are logged once, with their id, by MaskedErrors.
        return None


# Federation v2.9: the newest that @theguild/federation-composition (0.27) composes; @key is all we use.
schema = Schema(
    federation_version="2.9",
    query=merge_types("Query", (Query, CompanyQueries, CustomerQueries, ProjectQueries, TimeRecordQueries,
                                  FileQueries, PartnerQueries, EventQueries, SharePointQueries,
                                  HoursReportQueries, ReconciliationQueries, SharePointSyncQueries,
                                  WebhookQueries, InvoicingQueries)),
    mutation=Mutation,
    subscription=Subscription,
    types=[Company, CoWorker, Customer, Project, Activity, Milestone, TimeRecord, File, PartnerGroup,
           SharePointSyncRun, RecurringTaskSeries],
    # MaskedErrors first: it also masks a fault in a later extension's hook. Then the persisted query
    # is resolved, so the limits and the cost see the document that will run. SignInRequired after
    # RequestLimits, which validates: it refuses an anonymous operation once its document is valid,
    # before anything of it is stored (APQ), charged (rate limit) or run. TextLimits refuses an over-long
    # text in an argument or variable during that validation (a mutation's input: see bound_mutation_inputs).
    # Queries the planner covers run compiled, the rest (and subscriptions' events) on the general executor.
    execution_context_class=CompiledExecution,
    extensions=[MaskedErrors, PersistedQueries, RequestLimits, TextLimits, QueryCost, SignInRequired,
                ConnectionOperations],
)
# A mutation's over-long input texts are userErrors in its payload (gql/protection/text_limits.py).
bound_mutation_inputs(schema._schema)
# What SignInRequired lets run anonymously (introspection mixed with other fields) is refused field by field.
guard_root_fields(schema._schema)
