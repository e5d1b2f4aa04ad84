"""Calendar arithmetic for time expressions: partial dates, shifts, ISO weeks.

A :class:`When` is a calendar value at some precision (year, month or day),
the shape every resolved time expression takes before it becomes an ISO
string. Pure functions, no text.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

YEAR, MONTH, DAY = 1, 2, 3
UNIT_PRECISION = {"year": YEAR, "decade": YEAR, "century": YEAR, "quarter": MONTH,
                  "month": MONTH, "week": DAY, "weekend": DAY, "fortnight": DAY,
                  "day": DAY, "night": DAY, "hour": DAY, "minute": DAY, "second": DAY}


@dataclass(frozen=True)
class When:
    """A calendar value: ``year`` always, ``month`` and ``day`` by precision."""

    year: int
    month: int = 1
    day: int = 1
    precision: int = DAY

    def iso(self) -> str:
        if self.precision == YEAR:
            return f"{self.year:04d}"
        if self.precision == MONTH:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def date(self) -> dt.date:
        return dt.date(self.year, self.month, self.day)

    def at(self, precision: int) -> When:
        return When(self.year, self.month, self.day, min(self.precision, precision))

    @classmethod
    def of(cls, date: dt.date, precision: int = DAY) -> When:
        return cls(date.year, date.month, date.day, precision)


def parse_iso(value: str | None) -> dt.date | None:
    """A publication date as a ``date``; junk cleans to None."""
    if not value:
        return None
    text = value.strip()[:10]
    if len(text) < 10:
        return None
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return date if 1000 <= date.year <= 8999 else None  # room for shifts either way


def valid_day(year: int, month: int, day: int) -> bool:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def shift(when: When, amount: int, unit: str) -> When:
    """``when`` moved by ``amount`` units, at the lower of the two precisions."""
    precision = min(when.precision, UNIT_PRECISION.get(unit, DAY))
    if unit in ("year", "decade", "century"):
        years = amount * {"year": 1, "decade": 10, "century": 100}[unit]
        return When(when.year + years, when.month, min(when.day, 28) if when.month == 2 else when.day,
                    precision)
    if unit in ("month", "quarter"):
        year, month = add_months(when.year, when.month, amount * (3 if unit == "quarter" else 1))
        return When(year, month, min(when.day, 28), precision)
    if when.precision < DAY:
        return when  # a day-level shift of a month-precise anchor keeps the anchor
    days = {"week": 7, "weekend": 7, "fortnight": 14}.get(unit, 1) * amount
    if unit in ("hour", "minute", "second"):
        days = 0
    return When.of(when.date() + dt.timedelta(days=days), precision)


def iso_week(date: dt.date) -> str:
    year, week, _ = date.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_value(monday: dt.date) -> When:
    """A week as a calendar value: its month when all seven days share it, else its year."""
    sunday = monday + dt.timedelta(days=6)
    if (monday.year, monday.month) == (sunday.year, sunday.month):
        return When(monday.year, monday.month, 1, MONTH)
    return When(monday.year, 1, 1, YEAR) if monday.year == sunday.year else None


def monday_of(date: dt.date) -> dt.date:
    return date - dt.timedelta(days=date.weekday())


def nearest_month(published: dt.date, month: int, *, future: bool) -> int:
    """The year of the latest ``month`` on or before publication (or the next one, if future)."""
    if future:
        return published.year if month >= published.month else published.year + 1
    return published.year if month <= published.month else published.year - 1


def nearest_day(published: dt.date, month: int, day: int, *, future: bool) -> int:
    """The year of the latest month-day on or before publication (or the next, if future)."""
    year = published.year
    key, now = (month, day), (published.month, published.day)
    if future:
        return year if key >= now else year + 1
    return year if key <= now else year - 1


def nearest_weekday(published: dt.date, weekday: int, *, future: bool, strict: bool = False) -> dt.date:
    """The latest ``weekday`` (0 = Monday) on or before publication, or the next on or after.

    ``strict`` excludes publication day itself ("last Thursday", "next Friday").
    """
    if future:
        ahead = (weekday - published.weekday()) % 7
        if ahead == 0 and strict:
            ahead = 7
        return published + dt.timedelta(days=ahead)
    back = (published.weekday() - weekday) % 7
    if back == 0 and strict:
        back = 7
    return published - dt.timedelta(days=back)


def season_year(published: dt.date, season: str, step: int) -> int:
    """The year label of a season: ``step`` -1 last, 0 this, +1 next (winter starts in December)."""
    order = ["SP", "SU", "FA", "WI"]
    month = published.month
    if month == 12 or month <= 2:
        label, label_year = "WI", published.year if month == 12 else published.year - 1
    else:
        label, label_year = order[(month - 3) // 3], published.year
    if step == 0:
        return label_year if season == label else published.year
    current = label_year * 4 + order.index(label)
    candidates = [(year * 4 + order.index(season), year)
                  for year in range(published.year - 2, published.year + 3)]
    if step < 0:
        return max(c for c in candidates if c[0] < current)[1]
    return min(c for c in candidates if c[0] > current)[1]
