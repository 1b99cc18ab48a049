"""One hierarchy of domain errors, each with a stable code that gql/ turns into a userError; and warnings, which
refuse nothing."""
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError


@dataclass(frozen=True)
class InputWarning:
    """Input taken (perhaps made acceptable) with something the caller should know: a `warnings` entry beside a
    payload's userErrors, with a stable code and the input field it concerns."""

    code: str
    message: str
    field: str | None = None


class DomainError(Exception):
    code = "INVALID_INPUT"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    code = "INVALID_INPUT"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Forbidden(DomainError):
    code = "FORBIDDEN"


class Conflict(DomainError):
    """The row changed under us (optimistic lock) or a unique value is taken."""

    code = "CONFLICT"


class Duplicate(DomainError):
    code = "DUPLICATE"


class DuplicateProjectName(DomainError):
    """Two projects of a customer that stores in SharePoint would share one folder name (SPEC §6)."""

    code = "DUPLICATE_PROJECT_NAME"


class Locked(DomainError):
    """Approved or invoiced hours can no longer be edited or deleted."""

    code = "LOCKED"


class HasHours(DomainError):
    """Something with hours registered on it cannot be deleted (deactivate it instead)."""

    code = "HAS_HOURS"


class InUse(DomainError):
    """Something other rows still point at (files, tasks) cannot be deleted."""

    code = "IN_USE"


class ProjectClosed(DomainError):
    code = "PROJECT_CLOSED"


class NotProjectMember(DomainError):
    code = "NOT_PROJECT_MEMBER"


class DayOver24Hours(DomainError):
    """One co-worker's day holds at most 24 hours in total."""

    code = "DAY_OVER_24_HOURS"


class OutsideProjectPeriod(DomainError):
    """Hours or an expense dated before the project's start date or after its end date (the message names them)."""

    code = "OUTSIDE_PROJECT_PERIOD"


class FileTooLarge(DomainError):
    """An upload passed the size limit (PARTNERGRAPH_MAX_UPLOAD_BYTES); nothing of it was kept."""

    code = "FILE_TOO_LARGE"


# --- partner companies (SPEC §2) -------------------------------------------


class ProRequired(DomainError):
    """Partner companies is a PRO feature."""

    code = "PRO_REQUIRED"


class PartnerCompaniesDisabled(DomainError):
    """The company has not enabled partner companies in its settings."""

    code = "PARTNER_COMPANIES_DISABLED"


class InPartnerGroup(DomainError):
    """Refused while the company is in a partner group (or, on registration, already in another one)."""

    code = "IN_PARTNER_GROUP"


class NotInPartnerGroup(DomainError):
    code = "NOT_IN_PARTNER_GROUP"


class PartnerNotAdded(DomainError):
    code = "PARTNER_NOT_ADDED"


class PartnerNotConfirmed(DomainError):
    code = "PARTNER_NOT_CONFIRMED"


class PartnerCustomerNotAttached(DomainError):
    code = "PARTNER_CUSTOMER_NOT_ATTACHED"


# --- shared projects (SPEC §3) ---------------------------------------------


class AddFromMainProject(DomainError):
    """Members of a secondary project are added on its main project (the message names it)."""

    code = "ADD_FROM_MAIN_PROJECT"


class InheritedFromMain(DomainError):
    """A secondary project's inherited values change only through its main project."""

    code = "INHERITED_FROM_MAIN"


# --- hours and expenses across companies (SPEC §4) ------------------------------


class EditInHomeCompany(DomainError):
    """A mirror (or an expense clone) changes only through its source in the partner company (the message names it)."""

    code = "EDIT_IN_HOME_COMPANY"


class RegisterInHomeCompany(DomainError):
    """A partner's co-worker registers on their home company's secondary project (the message names it)."""

    code = "REGISTER_IN_HOME_COMPANY"


class MirrorTargetMissing(DomainError):
    """A source on a secondary project has nowhere to be mirrored (no main activity or no external record)."""

    code = "MIRROR_TARGET_MISSING"


class NothingToInvoice(DomainError):
    """An internal invoice would be empty: no approved, uninvoiced hours or shared expenses up to the date."""

    code = "NOTHING_TO_INVOICE"


class DomainErrors(DomainError):
    """Several errors reported together (e.g. one per item of a list input); nothing was changed."""

    def __init__(self, errors: Iterable[DomainError]) -> None:
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.message, field=first.field)
        self.code = first.code


def require(condition: bool, message: str, *, field: str, error: type[DomainError] = InvalidInput) -> None:
    if not condition:
        raise error(message, field=field)


# --- database refusals ----------------------------------------------------
# A use case checks its rules before writing, but two requests can still race
# past the same check (two adds of one member, two companies with one name).
# The database's constraints then refuse the second one; these map that refusal
# to the userError the check would have given. Names follow domain.model.base.NAMING.

CONSTRAINT_ERRORS: dict[str, tuple[type[DomainError], str, str]] = {
    "uq_project_members_project_id_co_worker_id": (Duplicate, "coWorkerId", "The co-worker is already a member of the project."),
    "uq_co_workers_company_id_user_id": (Duplicate, "email", "That person is already a co-worker of the company."),
    "uq_companies_database_name": (Duplicate, "databaseName", "A company already has that database name."),
    "uq_users_email": (Conflict, "email", "Someone registered that email at the same moment; try again."),
    "ck_time_records_hours_in_day": (InvalidInput, "hours", "Hours are more than 0 and at most 24."),
    "ck_projects_dates_in_order": (InvalidInput, "endDate", "The end date is before the start date."),
    "uq_partner_links_company_id_partner_company_id": (
        Duplicate, "partnerDatabaseName", "The company has already added that partner."),
    "uq_partner_group_members_current_company": (
        InPartnerGroup, "companyIds", "A company was registered in another group at the same moment; try again."),
    "uq_projects_main_project_id_company_id": (
        Conflict, "coWorkerId", "A co-worker of the same company was added at the same moment; try again."),
}

# SQLite names the columns of a failed UNIQUE constraint, not the constraint.
SQLITE_UNIQUE_COLUMNS = {
    "project_members.project_id, project_members.co_worker_id": "uq_project_members_project_id_co_worker_id",
    "co_workers.company_id, co_workers.user_id": "uq_co_workers_company_id_user_id",
    "companies.database_name": "uq_companies_database_name",
    "users.email": "uq_users_email",
    "partner_links.company_id, partner_links.partner_company_id": "uq_partner_links_company_id_partner_company_id",
    "partner_group_members.company_id": "uq_partner_group_members_current_company",
    "projects.main_project_id, projects.company_id": "uq_projects_main_project_id_company_id",
}

_POSTGRES_CONSTRAINT = re.compile(r'constraint "([^"]+)"')
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w., ]+)")
_SQLITE_CHECK = re.compile(r"CHECK constraint failed: (\w+)")


def constraint_name(message: str) -> str | None:
    """The constraint a database integrity error message names, on PostgreSQL or SQLite."""
    if found := _POSTGRES_CONSTRAINT.search(message):
        return found.group(1)
    if found := _SQLITE_UNIQUE.search(message):
        return SQLITE_UNIQUE_COLUMNS.get(found.group(1).strip())
    if found := _SQLITE_CHECK.search(message):
        return found.group(1)
    return None


def integrity_error(message: str) -> DomainError:
    """The domain error for a constraint the database refused; a generic CONFLICT for any other."""
    known = CONSTRAINT_ERRORS.get(constraint_name(message) or "")
    if known is None:
        return Conflict("The change clashed with another change made at the same time; try again.")
    error, field, text = known
    return error(text, field=field)


# What a write transaction can raise when another one got there first.
DATABASE_REFUSALS = (IntegrityError, StaleDataError)

# PostgreSQL's SQLSTATEs for a transaction it gave up so that a concurrent one could go on.
RETRYABLE_SQLSTATES = {"40P01": "deadlock_detected", "40001": "serialization_failure"}


def concurrency_refusal(error: DBAPIError) -> DomainError | None:
    """CONFLICT for a transaction the database gave up because of a concurrent one (a PostgreSQL deadlock or
    serialization failure, SQLite still locked after its busy timeout); None for any other database error,
    which stays a server fault. Nothing of the refused transaction was written."""
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if state in RETRYABLE_SQLSTATES or "database is locked" in str(error.orig):
        return Conflict("The change met another change made at the same time and was not saved; try again.")
    return None


def from_database(error: Exception) -> DomainError:
    """The userError for a refusal in DATABASE_REFUSALS: a stale version (optimistic lock) or a constraint."""
    if isinstance(error, IntegrityError):
        return integrity_error(str(error.orig))
    return Conflict("Someone else changed this at the same time; reload it and try again.")


# --- database outages -------------------------------------------------------
# Not a refusal and not a fault: the database cannot be reached, or is restarting. The API answers 503 with
# Retry-After (SERVICE_UNAVAILABLE) and the worker backs off; nothing was written.


class DatabaseUnavailable(Exception):
    """The database could not be reached or dropped the connection (what Database raises for an outage)."""

    code = "SERVICE_UNAVAILABLE"
    retry_after_seconds = 5

    def __init__(self, cause: BaseException) -> None:
        reason = str(cause).splitlines()[0] if str(cause) else type(cause).__name__
        super().__init__(f"The database is unavailable: {reason}")


# PostgreSQL's connection exceptions (class 08), admin_shutdown, crash_shutdown and cannot_connect_now.
OUTAGE_SQLSTATE_CLASSES = ("08",)
OUTAGE_SQLSTATES = {"57P01", "57P02", "57P03"}
# SQLite's word for a database file that cannot be opened (a missing folder, a directory, no permission).
SQLITE_CANNOT_OPEN = "unable to open database file"


def is_outage(error: BaseException) -> bool:
    """Whether an error means the database is away rather than that the statement was wrong: a connection
    refused, reset or closed (SQLAlchemy marks those `connection_invalidated`), a server shutting down or
    starting up, or a SQLite file that cannot be opened."""
    if isinstance(error, DatabaseUnavailable):
        return True
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    orig = error.orig if isinstance(error, DBAPIError) else None
    for candidate in (error, orig, orig.__cause__ if orig is not None else None):
        if candidate is None:
            continue
        if isinstance(candidate, (ConnectionError, TimeoutError, socket.gaierror)):
            return True
        state = str(getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None) or "")
        if state in OUTAGE_SQLSTATES or state.startswith(OUTAGE_SQLSTATE_CLASSES):
            return True
    # The driver's own message only: a DBAPIError's text also carries the statement's parameters.
    return orig is not None and SQLITE_CANNOT_OPEN in str(orig)
