"""The data model: SQLAlchemy 2 typed mapped classes."""
from domain.model.base import Base, utcnow
from domain.model.customers import Contact, Customer, NumberSeries
from domain.model.enums import (
    CustomerStatus,
    FileTransferState,
    HourStatus,
    PriceModel,
    ProjectStatus,
    ProjectStorage,
    Recurrence,
    Role,
    SeriesKind,
    SeriesPolicy,
    StorageLocation,
    TaskStatus,
    Tier,
)
from domain.model.events import Event, EventKind, EventLog
from domain.model.files import File, Tag, file_tags
from domain.model.hours import Expense, TimeRecord
from domain.model.invoicing import (
    InternalInvoice, InternalInvoiceItem, InternalInvoiceLine, InternalInvoiceStatus, InvoiceLineKind,
)
from domain.model.partners import PartnerGroup, PartnerGroupMember, PartnerLink
from domain.model.people import ApiToken, CoWorker, Company, User
from domain.model.jobs import Job, JobState
from domain.model.persisted_queries import PersistedQuery
from domain.model.sharepoint import SharePointConfiguration
from domain.model.sharepoint_sync import (
    SharePointDailySync, SharePointDeletedItem, SharePointFolder, SharePointLibrarySync, SharePointSyncRun, SyncDirection, SyncStatus, SyncTrigger,
)
from domain.model.projects import Activity, Milestone, Project, ProjectMember
from domain.model.tasks import RecurringTaskSeries, Task, TaskSeriesDailyRun
from domain.model.webhooks import WebhookAttempt, WebhookEndpoint, WebhookState

__all__ = [
    "ApiToken", "Activity", "Base", "CoWorker", "Company", "Contact", "Customer", "CustomerStatus", "Expense",
    "File", "HourStatus", "Milestone", "NumberSeries", "PriceModel", "Project", "ProjectMember", "ProjectStatus",
    "ProjectStorage", "Recurrence", "RecurringTaskSeries", "Role", "SeriesKind", "SeriesPolicy",
    "StorageLocation", "Tag", "Task", "TaskSeriesDailyRun", "TaskStatus", "Tier", "TimeRecord", "User", "file_tags", "utcnow",
    "PartnerGroup", "PartnerGroupMember", "PartnerLink",
    "Event", "EventKind", "EventLog",
    "PersistedQuery",
    "Job", "JobState", "SharePointConfiguration", "FileTransferState",
    "SharePointDailySync", "SharePointDeletedItem", "SharePointFolder", "SharePointLibrarySync", "SharePointSyncRun", "SyncDirection",
    "SyncStatus", "SyncTrigger",
    "WebhookAttempt", "WebhookEndpoint", "WebhookState",
    "InternalInvoice", "InternalInvoiceItem", "InternalInvoiceLine", "InternalInvoiceStatus", "InvoiceLineKind",
]
