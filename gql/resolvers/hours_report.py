"""What the hoursReport's resolvers (gql.schema.hours.report) and its compiled execution (gql.compiled) share:
the records a report lists and how a month is shown."""
from domain import model as m
from domain.access.viewer import Viewer
from domain.hours import report as service
from gql.loaders import TIME_RECORDS_ORDER
from gql.resolvers.lists import Listing


def records(viewer: Viewer, hours_filter: service.HoursFilter) -> Listing:
    """The time records the report counts, newest first."""
    return Listing(m.TimeRecord, service.report_conditions(viewer, hours_filter), TIME_RECORDS_ORDER)


def month(group: service.GroupTotal) -> str:
    """A month's total's calendar month, as YYYY-MM."""
    return group.key.strftime("%Y-%m")
