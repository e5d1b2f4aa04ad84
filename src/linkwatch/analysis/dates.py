"""ISO-8601 calendar values at any precision (``2023``, ``2023-11``, ``2023-10-14``) as periods."""
from __future__ import annotations

import calendar
import re

_VALUE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def period(value: str | None) -> tuple[str, str] | None:
    """``2023-11`` → (``2023-11-01``, ``2023-11-30``); None for junk or no value."""
    if not value:
        return None
    m = _VALUE.match(value.strip())
    if not m:
        return None
    year, month, day = m.group(1), m.group(2), m.group(3)
    if day:
        return f"{year}-{month}-{day}", f"{year}-{month}-{day}"
    if month:
        if not 1 <= int(month) <= 12:
            return None
        last = calendar.monthrange(int(year), int(month))[1]
        return f"{year}-{month}-01", f"{year}-{month}-{last:02d}"
    return f"{year}-01-01", f"{year}-12-31"


def sort_key(value: str | None) -> str:
    """Orders values by their start, a coarser value before finer ones starting the same day."""
    p = period(value)
    return p[0] + str(10 - len(value or "")) if p else "9999"


def overlaps(value: str | None, *, since: str | None = None, until: str | None = None) -> bool:
    """True when the value's period meets [since, until]; an undated value never does."""
    p = period(value)
    if p is None:
        return False
    start, end = p
    if since and end < (period(since) or (since, since))[0]:
        return False
    if until and start > (period(until) or (until, until))[1]:
        return False
    return True


def after(value: str | None, since: str) -> bool:
    """True when the value lies wholly on or after ``since`` (a month starting after it counts)."""
    p = period(value)
    s = period(since)
    return bool(p and s and p[0] >= s[0])
