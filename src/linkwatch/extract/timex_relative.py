"""Relative time expressions: deictic units, anaphoric shifts, durations and sets.

"last week" and "two years ago" resolve against publication; "the following
day", "two days later" and "a week after October 7" against the date they
are relative to (the stated one, else the last date mentioned), at that
date's precision when it is coarser than the shift ("two days later" after
"in March" stays March).
"""
from __future__ import annotations

import datetime as dt
import re

from linkwatch.extract.timex_calendar import (
    DAY, MONTH, YEAR, When, add_months, iso_week, monday_of, season_year, shift, week_value)
from linkwatch.extract.timex_patterns import PARTS_OF_DAY, SEASONS, WEEKDAYS
from linkwatch.extract.timex_resolve import (
    Result, _day_result, _is_future, _number, _unit, _with_part, duration_value, speaks_of_future)

_DEICTIC = {"last": -1, "past": -1, "the last": -1, "the past": -1, "this": 0, "current": 0,
            "the current": 0, "later this": 0, "earlier this": 0, "next": 1, "coming": 1,
            "the coming": 1}
_ANAPHORIC = {"the previous": -1, "the preceding": -1, "the following": 1, "the next": 1,
              "the same": 0, "that": 0, "later that": 0, "earlier that": 0}
_DAYISH = ("day", "morning", "afternoon", "evening", "night")
_BACKWARD = ("earlier", "before", "prior", "previously", "beforehand")


def _words(value: str | None) -> str:
    return " ".join((value or "").lower().split())


def _week(monday: dt.date, suffix: str = "") -> tuple[When | None, str]:
    return week_value(monday), iso_week(monday) + suffix


def _deictic_unit(unit: str, step: int, pub: dt.date) -> tuple[When | None, str | None, str]:
    """(value, timex3, kind) of "last/this/next UNIT" seen from ``pub``."""
    if unit == "week":
        when, timex3 = _week(monday_of(pub) + dt.timedelta(days=7 * step))
        return when, timex3, "date"
    if unit == "weekend":
        monday = monday_of(pub) + dt.timedelta(days=7 * step)
        return week_value(monday), iso_week(monday) + "-WE", "date"
    if unit == "month":
        year, month = add_months(pub.year, pub.month, step)
        return When(year, month, 1, MONTH), f"{year:04d}-{month:02d}", "date"
    if unit == "year":
        return When(pub.year + step, 1, 1, YEAR), f"{pub.year + step:04d}", "date"
    if unit == "quarter":
        index = pub.year * 4 + (pub.month - 1) // 3 + step
        year, quarter = divmod(index, 4)
        return When(year, 1, 1, YEAR), f"{year:04d}-Q{quarter + 1}", "date"
    if unit in SEASONS:
        code = SEASONS[unit]
        year = season_year(pub, code, step)
        return When(year, 1, 1, YEAR), f"{year:04d}-{code}", "date"
    if unit in ("decade", "century"):
        if step == 0:
            size = 10 if unit == "decade" else 100
            return None, str(pub.year // size), "date"
        return None, duration_value(1, unit), "duration"
    when = When.of(pub + dt.timedelta(days=step))
    return when, _with_part(when, unit if unit in PARTS_OF_DAY else None), "time" if unit in PARTS_OF_DAY else "date"


def _anaphoric_unit(unit: str, step: int, base: When) -> tuple[When | None, str | None, str]:
    """(value, timex3, kind) of "the following/previous/that UNIT" after ``base``."""
    if unit in _DAYISH:
        when = shift(base, step, "day")
        part = unit if unit in PARTS_OF_DAY else None
        return when, _with_part(when, part), "time" if part and when.precision == DAY else "date"
    if unit in ("week", "weekend"):
        if base.precision < DAY:
            return base, base.iso(), "date"
        monday = monday_of(base.date()) + dt.timedelta(days=7 * step)
        suffix = "-WE" if unit == "weekend" else ""
        return week_value(monday), iso_week(monday) + suffix, "date"
    if unit == "month":
        if base.precision < MONTH:
            return base, base.iso(), "date"
        year, month = add_months(base.year, base.month, step)
        return When(year, month, 1, MONTH), f"{year:04d}-{month:02d}", "date"
    if unit in ("year", "quarter"):
        return When(base.year + step, 1, 1, YEAR), f"{base.year + step:04d}", "date"
    if unit in SEASONS:
        return When(base.year + step, 1, 1, YEAR), f"{base.year + step:04d}-{SEASONS[unit]}", "date"
    return None, duration_value(1, unit), "duration"


def _relunit(match, ctx, _):
    rel = _words(match.group("rel"))
    unit = match.group("unit").lower()
    unit = "fall" if unit == "fall" else unit
    start, end = match.span()
    if unit in _DAYISH and rel in ("the last", "the past", "the coming", "past", "coming", "current",
                                   "the current"):
        return None  # "the last day of the talks"
    anaphoric = rel in _ANAPHORIC and not (rel == "the next" and ctx.last is None and unit not in _DAYISH)
    if anaphoric:
        base = ctx.last
        if base is None:
            kind = "time" if unit in PARTS_OF_DAY else "date"
            return Result(None, None, kind, None)
        when, timex3, kind = _anaphoric_unit(unit, _ANAPHORIC[rel], base)
        return Result(when, timex3, kind, "relative" if when else None, _is_future(ctx, when, start, end))
    step = _DEICTIC.get(rel, 1)
    if ctx.published is None:
        return Result(None, None, "date", None, step > 0)
    when, timex3, kind = _deictic_unit(unit, step, ctx.published)
    if kind == "duration":
        return Result(None, timex3, kind, None, step > 0)
    return Result(when, timex3, kind, "publication", step > 0)


_DAYREL = {"the day before": (-1, None), "the day after": (1, None), "the night before": (-1, "night"),
           "the eve of": (-1, None), "the same day": (0, None)}


def _dayrel(match, ctx, override):
    rel = _words(match.group("rel"))
    start, end = match.span()
    if rel.startswith("hours"):
        step, part = 0, None
    else:
        step, part = _DAYREL[rel]
    base = override.when if override is not None and override.when is not None else None
    if base is None:
        if rel == "the eve of":
            return None
        base = ctx.last
    if base is None:
        return Result(None, None, "date", None)
    when = shift(base, step, "day")
    return _day_result(ctx, when, "", "relative", start, end, part)


def _offset(match, ctx, override):
    count = _number(match.group("num"))
    unit = _unit(match.group("unit"))
    tail = _words(match.group("tail"))
    start, end = match.span()
    if tail and re.match(r"\s+than\b", ctx.text[end:end + 6]):
        tail = ""  # "a month earlier than usual" is a length of time
    approx = _words(match.group("approx"))
    if not tail or (tail == "on" and override is None and ctx.last is None):
        future = approx in ("the next", "the coming")
        return Result(None, duration_value(count, unit), "duration", None, future)
    whole = count is not None and count == int(count)
    if tail in ("ago", "from now"):
        sign = -1 if tail == "ago" else 1
        if ctx.published is None or not whole:
            return Result(None, "PAST_REF" if sign < 0 else "FUTURE_REF", "vague", None, sign > 0)
        amount = sign * int(count)
        if unit in ("week", "fortnight"):
            day = ctx.published + dt.timedelta(days=7 * amount * (2 if unit == "fortnight" else 1))
            return Result(week_value(monday_of(day)), iso_week(day), "date", "publication", sign > 0)
        when = shift(When.of(ctx.published), amount, unit)
        return Result(when, when.iso(), "date", "publication", sign > 0)
    base = override.when if override is not None and override.when is not None else ctx.last
    if base is None or not whole:
        timex3 = duration_value(count, unit) if tail in ("after", "before", "on") else None
        return Result(None, timex3, "date", None)
    sign = -1 if tail in _BACKWARD else 1
    when = shift(base, sign * int(count), unit)
    if (override is None and ctx.published is not None and _is_future(ctx, when, start, end)
            and not speaks_of_future(ctx, start, end)):
        when = None  # the last date mentioned was not what this is relative to
    if when is None:
        return Result(None, duration_value(count, unit) if tail in ("after", "before", "on") else None,
                      "date", None)
    # TIMEX3 marks "two years after X" as the length of time, "two years later" as the date
    timex3 = duration_value(count, unit) if tail in ("after", "before", "on") else when.iso()
    return Result(when, timex3, "date", "relative", _is_future(ctx, when, start, end))


def _plural(match, ctx, _):
    unit = _unit(match.group("unit"))
    tail = _words(match.group("tail"))
    if tail == "ago":
        return Result(None, "PAST_REF", "vague", None)
    if tail in ("before", "after"):
        return Result(None, duration_value(None, unit), "date", None)
    if tail:
        return Result(None, None, "date", None)
    return Result(None, duration_value(None, unit), "duration", None)


_ADVERBS = {"annually": "P1Y", "yearly": "P1Y", "biannually": "P6M", "biennially": "P2Y",
            "quarterly": "P3M"}


def _set(match, ctx, _):
    adverb = _words(match.group("adv"))
    if adverb:
        if adverb.startswith("every other"):
            return Result(None, duration_value(2, adverb.split()[-1]), "set", None)
        return Result(None, _ADVERBS[adverb], "set", None)
    unit = (match.group("unit") or match.group("unit2")).lower()
    if unit in WEEKDAYS:
        return Result(None, f"XXXX-WXX-{WEEKDAYS[unit] + 1}", "set", None)
    if unit in PARTS_OF_DAY:
        return Result(None, f"XXXX-XX-XXT{PARTS_OF_DAY[unit]}", "set", None)
    if unit == "season":
        return Result(None, None, "set", None)
    count = _number(match.group("num")) if match.group("num") else 1.0
    return Result(None, duration_value(count, unit), "set", None)


def _numrange(match, ctx, _):
    return Result(None, duration_value(_number(match.group("num")), _unit(match.group("unit"))),
                  "duration", None)


def _stopwatch(match, ctx, _):
    hours, minutes, seconds = (int(match.group(g)) for g in ("h", "m", "s"))
    return Result(None, f"PT{hours}H{minutes}M{seconds}S", "duration", None)


def _part_of_unit(match, ctx, _):
    """"the end of the year": the year under discussion, else (or if future) publication's."""
    unit = match.group("unit").lower()
    start, end = match.span()
    future = speaks_of_future(ctx, start, end)
    base = ctx.last if ctx.last is not None and not future else (
        When.of(ctx.published) if ctx.published else None)
    if base is None or (unit == "month" and base.precision < MONTH) or (unit == "week" and base.precision < DAY):
        return Result(None, None, "date", None, future)
    if unit == "year":
        when = When(base.year, 1, 1, YEAR)
        return Result(when, when.iso(), "date", "relative", _is_future(ctx, when, start, end))
    if unit == "month":
        when = base.at(MONTH)
        return Result(when, when.iso(), "date", "relative", _is_future(ctx, when, start, end))
    monday = monday_of(base.date())
    return Result(week_value(monday), iso_week(monday), "date", "relative", future)


HANDLERS = {"numrange": _numrange, "stopwatch": _stopwatch, "yearof": _part_of_unit,
            "relunit": _relunit, "dayrel": _dayrel, "offset": _offset, "plural": _plural, "set": _set}
