"""The closed sets of values the product knows."""
import enum


class Tier(enum.StrEnum):
    STANDARD = "STANDARD"
    PRO = "PRO"


class Role(enum.StrEnum):
    ADMIN = "ADMIN"
    PROJECT_LEADER = "PROJECT_LEADER"
    EMPLOYEE = "EMPLOYEE"
    EXTERNAL = "EXTERNAL"


class CustomerStatus(enum.StrEnum):
    POTENTIAL = "POTENTIAL"
    ACTIVE = "ACTIVE"
    BLOCKED = "BLOCKED"
    INACTIVE = "INACTIVE"


class StorageLocation(enum.StrEnum):
    CLOUD = "CLOUD"
    SHAREPOINT = "SHAREPOINT"


class ProjectStorage(enum.StrEnum):
    INHERIT = "INHERIT"
    CLOUD = "CLOUD"


class ProjectStatus(enum.StrEnum):
    PLANNED = "PLANNED"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class PriceModel(enum.StrEnum):
    HOURLY = "HOURLY"
    FIXED = "FIXED"


class HourStatus(enum.StrEnum):
    NOT_APPROVED = "NOT_APPROVED"
    APPROVED = "APPROVED"
    INVOICED = "INVOICED"


class SeriesKind(enum.StrEnum):
    PROJECT = "PROJECT"
    CUSTOMER = "CUSTOMER"
    INVOICE = "INVOICE"  # internal invoices (domain.invoicing)


class SeriesPolicy(enum.StrEnum):
    OWN = "OWN"
    GROUP = "GROUP"


class TaskStatus(enum.StrEnum):
    OPEN = "OPEN"
    DONE = "DONE"


class FileTransferState(enum.StrEnum):
    """Where a file's contents are (SPEC §5, §6): only here, on the way to SharePoint, there, or stuck."""

    LOCAL = "LOCAL"
    PENDING = "PENDING"
    TRANSFERRED = "TRANSFERRED"
    FAILED = "FAILED"


class Recurrence(enum.StrEnum):
    WEEKLY = "WEEKLY"
    MONTHLY = "MONTHLY"
    QUARTERLY = "QUARTERLY"
    YEARLY = "YEARLY"
