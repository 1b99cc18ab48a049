"""The periods of a recurring series (pure): a period is named by its first day; a weekly one starts on Monday
(ISO weeks), a monthly one on the 1st, a quarterly one on January, April, July or October 1st, a yearly one on
January 1st."""
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from domain.model import Recurrence

MONTHS = {Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3, Recurrence.YEARLY: 12}


@dataclass(frozen=True)
class Period:
    recurrence: Recurrence
    start: dt.date

    @property
    def end(self) -> dt.date:
        return following(self.recurrence, self.start) - dt.timedelta(days=1)

    @property
    def year(self) -> int:
        """The year the period is counted in: an ISO week's year for a weekly series."""
        return self.start.isocalendar().year if self.recurrence is Recurrence.WEEKLY else self.start.year

    @property
    def number(self) -> int:
        """Which period of its year: the ISO week, the month, the quarter, or 1 for a year."""
        if self.recurrence is Recurrence.WEEKLY:
            return self.start.isocalendar().week
        return (self.start.month - 1) // MONTHS[self.recurrence] + 1

    @property
    def label(self) -> str:
        """ "2026-W05", "2026-03", "2026-Q1" or "2026"."""
        return {
            Recurrence.WEEKLY: f"{self.year}-W{self.number:02d}",
            Recurrence.MONTHLY: f"{self.year}-{self.number:02d}",
            Recurrence.QUARTERLY: f"{self.year}-Q{self.number}",
            Recurrence.YEARLY: f"{self.year}",
        }[self.recurrence]


def period_start(recurrence: Recurrence, day: dt.date) -> dt.date:
    """The first day of the period `day` falls in."""
    if recurrence is Recurrence.WEEKLY:
        return day - dt.timedelta(days=day.weekday())
    months = MONTHS[recurrence]
    return dt.date(day.year, (day.month - 1) // months * months + 1, 1)


def following(recurrence: Recurrence, start: dt.date) -> dt.date:
    """The first day of the period after the one starting on `start`."""
    if recurrence is Recurrence.WEEKLY:
        return start + dt.timedelta(days=7)
    month = start.month - 1 + MONTHS[recurrence]
    return dt.date(start.year + month // 12, month % 12 + 1, 1)


def periods(recurrence: Recurrence, first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """The first days of the periods from `first`'s to `last`'s, both included."""
    start, last = period_start(recurrence, first), period_start(recurrence, last)
    while start <= last:
        yield start
        start = following(recurrence, start)


def due_periods(recurrence: Recurrence, first: dt.date, last: dt.date | None, today: dt.date) -> list[dt.date]:
    """The periods of a series that should have their task by `today`: from the first up to today's period,
    not past the last."""
    until = today if last is None else min(today, last)
    return list(periods(recurrence, first, until)) if until >= first else []
