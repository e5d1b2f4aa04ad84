"""What each absolute or deictic time-expression pattern means.

Every handler turns a kept match into a :class:`Result` against the
:class:`~linkwatch.extract.timex.Context` (text, publication date, sentences,
years stated nearby, the last date mentioned). Shared helpers for the
relative patterns (:mod:`.timex_relative`) live here too.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from linkwatch.extract.timex_calendar import (
    DAY, MONTH, YEAR, When, add_months, iso_week, nearest_day, nearest_month, nearest_weekday,
    valid_day)
from linkwatch.extract.timex_patterns import (
    FUTURE_CUES, MONTHS, NUMBER_WORDS, ORDINALS, PARTS_OF_DAY, PAST_CUES, SEASONS, UNITS, WEEKDAYS)


@dataclass(frozen=True)
class Result:
    when: When | None
    timex3: str | None
    kind: str
    anchor: str | None
    future: bool = False


_CLAUSE_BREAK = re.compile(r"[;:(—–]|\bthat\b|\bbut\b|\bwhile\b|\bwhereas\b|\bwhen\b", re.I)


def stated_year(name: str, match: re.Match[str]) -> tuple[int, int | None] | None:
    """(year, month or None) an expression states outright, for filling its neighbours' years."""
    if name in ("iso", "mdy", "dmy", "month", "weekofmonth", "year", "quarter"):
        groups = match.groupdict()
        year = groups.get("year") or groups.get("year2")
        if not year:
            return None
        month = groups.get("month")
        if month and not month.isdigit():
            return int(year), MONTHS[month.lower().rstrip(".")]
        return int(year), int(month) if month else None
    return None


def takes_anchor(name: str, match: re.Match[str]) -> bool:
    """Whether the match reaches for a date that follows it ("a week after October 7")."""
    if name == "offset":
        return (match.group("tail") or "").lower() in ("after", "before")
    if name == "dayrel":
        return match.group("rel").lower().split()[-1] in ("before", "after", "of")
    return False


# --- helpers ---------------------------------------------------------------------------------

def speaks_of_future(ctx, start: int, end: int) -> bool:
    """Whether the clause around ``[start, end)`` is about the future ("will meet on Friday")."""
    text = ctx.text
    s0, s1 = ctx.sentence(start)
    back = text[s0:start]
    breaks = list(_CLAUSE_BREAK.finditer(back))
    if breaks:
        back = back[breaks[-1].end():]
    cues = [(m.start(), True) for m in FUTURE_CUES.finditer(back)]
    cues += [(m.start(), False) for m in PAST_CUES.finditer(back)]
    if cues:
        return max(cues)[1]
    forward = text[end:max(end, s1)]
    stop = _CLAUSE_BREAK.search(forward)
    if stop:
        forward = forward[:stop.start()]
    cues = [(m.start(), True) for m in FUTURE_CUES.finditer(forward)]
    cues += [(m.start(), False) for m in PAST_CUES.finditer(forward)]
    return min(cues)[1] if cues else False


def _number(word: str) -> float | None:
    """A count from digits or words; None for vague counts ("several", "a few")."""
    word = re.sub(r"\s+", " ", word.lower())
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return float(word)
    if "-" in word:
        tens, _, ones = word.partition("-")
        if tens in NUMBER_WORDS and ones in NUMBER_WORDS:
            return float(NUMBER_WORDS[tens] + NUMBER_WORDS[ones])
    value = NUMBER_WORDS.get(word)
    return float(value) if value is not None else None


def _unit(word: str) -> str:
    word = word.lower()
    if word == "centuries":
        return "century"
    return word[:-1] if word.endswith("s") else word


def duration_value(count: float | None, unit: str) -> str:
    """A TIMEX3 duration: ``P2Y``, ``PT3H``, ``PXM``, ``P10Y`` for a decade."""
    scale = {"decade": 10, "century": 100, "fortnight": 2}.get(unit, 1)
    code = UNITS.get(unit, "D")
    if unit == "quarter":
        code, scale = "M", 3
    if count is None:
        amount = "X"
    else:
        total = count * scale
        amount = str(int(total)) if total == int(total) else str(total)
    if unit in ("hour", "minute", "second"):
        return f"PT{amount}{code}"
    return f"P{amount}{code}"


def _with_part(when: When, part: str | None) -> str:
    code = PARTS_OF_DAY.get((part or "").lower())
    return when.iso() + (f"T{code}" if code and when.precision == DAY else "")


def _is_future(ctx, when: When | None, start: int, end: int) -> bool:
    if when is not None and ctx.published is not None:
        if when.precision == DAY:
            return when.date() > ctx.published
        if when.precision == MONTH:
            return (when.year, when.month) > (ctx.published.year, ctx.published.month)
        return when.year > ctx.published.year
    return speaks_of_future(ctx, start, end)


def _day_result(ctx, when: When | None, placeholder: str, anchor: str | None, start: int, end: int,
                part: str | None = None) -> Result:
    kind = "time" if part and PARTS_OF_DAY.get(part.lower()) else "date"
    if when is None:
        return Result(None, placeholder, kind, None, speaks_of_future(ctx, start, end))
    return Result(when, _with_part(when, part), kind, anchor, _is_future(ctx, when, start, end))


def _year_for(ctx, start: int, end: int, relyear: str | None, month: int, day: int | None):
    """(year, anchor) for a month or month-day given without its year; None when unknowable."""
    pub = ctx.published
    if relyear:
        rel = relyear.lower().split()[-1]
        step = {"last": -1, "previous": -1, "this": 0, "that": 0, "next": 1, "following": 1}[rel]
        if rel in ("that", "following", "previous"):
            return (ctx.last.year + step, "relative") if ctx.last else None
        return (pub.year + step, "publication") if pub else None
    filled = ctx.fill_year(start, end, month)
    if filled:
        return filled
    if pub is None:
        return None
    future = speaks_of_future(ctx, start, end)
    if day is None:
        return nearest_month(pub, month, future=future), "publication"
    return nearest_day(pub, month, day, future=future), "publication"


# --- resolution: each handler takes (match, ctx, anchor) and returns a Result or None ---

def _iso(match, ctx, _):
    year, month, day = (int(match.group(g)) for g in ("year", "month", "day"))
    if not valid_day(year, month, day):
        return None
    when = When(year, month, day, DAY)
    return Result(when, when.iso(), "date", "explicit", _is_future(ctx, when, *match.span()))


def _month_day(match, ctx, _):
    month = MONTHS[match.group("month").lower().rstrip(".")]
    day = int(re.match(r"\d+", match.group("day")).group())
    start, end = match.span()
    if match.group("year"):
        year, anchor = int(match.group("year")), "explicit"
    else:
        found = _year_for(ctx, start, end, match.group("relyear"), month, day)
        if found is None:
            if not 1 <= day <= 31:
                return None
            return Result(None, f"XXXX-{month:02d}-{day:02d}", "date", None, speaks_of_future(ctx, start, end))
        year, anchor = found
    if not valid_day(year, month, day):
        return None
    when = When(year, month, day, DAY)
    return Result(when, when.iso(), "date", anchor, _is_future(ctx, when, start, end))


def _month(match, ctx, _):
    month = MONTHS[match.group("month").lower().rstrip(".")]
    start, end = match.span()
    rel = (match.group("rel") or "").lower().split()
    rel = rel[-1] if rel else ""
    pub = ctx.published
    found = None
    if match.group("year"):
        found = int(match.group("year")), "explicit"
    elif rel in ("last", "this", "next") and pub:
        if rel == "last":
            found = (pub.year if month < pub.month else pub.year - 1), "publication"
        elif rel == "next":
            found = (pub.year if month > pub.month else pub.year + 1), "publication"
        else:
            found = pub.year, "publication"
    elif rel in ("that", "same") and ctx.fill_year(start, end, month):
        found = ctx.fill_year(start, end, month)
    elif rel in ("that", "same", "following", "previous"):
        if ctx.last:
            year = ctx.last.year
            if rel == "following" and month <= ctx.last.month:
                year += 1
            if rel == "previous" and month >= ctx.last.month:
                year -= 1
            found = year, "relative"
    else:
        found = _year_for(ctx, start, end, match.group("relyear"), month, None)
    if found is None:
        return Result(None, f"XXXX-{month:02d}", "date", None, rel == "next" or speaks_of_future(ctx, start, end))
    when = When(found[0], month, 1, MONTH)
    return Result(when, when.iso(), "date", found[1], _is_future(ctx, when, start, end))


def _week_of_month(match, ctx, _):
    month = MONTHS[match.group("month").lower().rstrip(".")]
    start, end = match.span()
    if match.group("year"):
        found = int(match.group("year")), "explicit"
    else:
        found = _year_for(ctx, start, end, None, month, None)
    if found is None:
        return Result(None, f"XXXX-{month:02d}", "date", None, False)
    when = When(found[0], month, 1, MONTH)
    order = ORDINALS[match.group("ord").lower()]
    first = dt.date(found[0], month, 1)
    if order < 0:
        day = (dt.date(*add_months(found[0], month, 1), 1) - dt.timedelta(days=4))
    else:
        day = first + dt.timedelta(days=7 * (order - 1) + 3)
    return Result(when, iso_week(day), "date", found[1], _is_future(ctx, when, start, end))


def _year(match, ctx, _):
    year = int(match.group("year"))
    when = When(year, 1, 1, YEAR)
    season = match.group("season")
    timex3 = f"{year:04d}-{SEASONS[season.lower()]}" if season else when.iso()
    return Result(when, timex3, "date", "explicit", _is_future(ctx, when, *match.span()))


def _year_range(match, ctx, _):
    start = match.start()
    first = int(ctx.text[start - 5:start - 1])
    year = first // 100 * 100 + int(match.group("yy"))
    if year <= first:
        year += 100
    if year - first > 20:
        return None
    when = When(year, 1, 1, YEAR)
    return Result(when, when.iso(), "date", "explicit", _is_future(ctx, when, *match.span()))


def _decade(match, ctx, _):
    if match.group("cent"):
        return Result(None, f"{match.group('cent')}{match.group('dec')}", "date", "explicit")
    dec = int(match.group("dec2"))
    century = "19" if dec >= 3 else "20"
    return Result(None, f"{century}{dec}", "date", "explicit")


_ORDINAL_WORDS = {"eighteenth": 18, "nineteenth": 19, "twentieth": 20, "twenty-first": 21}


def _century(match, ctx, _):
    word = match.group("ord").lower()
    number = _ORDINAL_WORDS.get(word) or int(re.match(r"\d+", word).group())
    return Result(None, f"{number - 1:02d}", "date", "explicit")


def _quarter(match, ctx, _):
    if match.group("q"):
        number, year, anchor = int(match.group("q")), int(match.group("year2")), "explicit"
    else:
        order = ORDINALS[match.group("ord").lower()]
        number = 4 if order < 0 else order
        if match.group("year"):
            year, anchor = int(match.group("year")), "explicit"
        elif ctx.published:
            step = {"last": -1, "next": 1}.get((match.group("rel") or "").lower(), 0)
            year, anchor = ctx.published.year + step, "publication"
        else:
            return Result(None, f"XXXX-Q{number}", "date", None)
    when = When(year, 1, 1, YEAR)
    return Result(when, f"{year:04d}-Q{number}", "date", anchor, _is_future(ctx, when, *match.span()))


def _weekday(match, ctx, _):
    weekday = WEEKDAYS[match.group("wd").lower()]
    start, end = match.span()
    if match.group("plural"):
        return Result(None, f"XXXX-WXX-{weekday + 1}", "set", None)
    rel = (match.group("rel") or "").lower()
    part = match.group("part")
    pub = ctx.published
    placeholder = f"XXXX-WXX-{weekday + 1}" + (f"T{PARTS_OF_DAY[part.lower()]}" if part else "")
    if pub is None:
        return _day_result(ctx, None, placeholder, None, start, end, part)
    if rel in ("last", "past"):
        date = nearest_weekday(pub, weekday, future=False, strict=True)
    elif rel in ("next", "coming"):
        date = nearest_weekday(pub, weekday, future=True, strict=True)
    else:
        date = nearest_weekday(pub, weekday, future=speaks_of_future(ctx, start, end))
    return _day_result(ctx, When.of(date), placeholder, "publication", start, end, part)


def _clock(match, ctx, _):
    hour = int(match.group("hour") or match.group("hour24"))
    minute = int(match.group("minute") or match.group("minute24") or 0)
    ampm = (match.group("ampm") or "").lower()
    if ampm.startswith("p") and hour < 12:
        hour += 12
    if ampm.startswith("a") and hour == 12:
        hour = 0
    clock = f"T{hour:02d}:{minute:02d}"
    start, end = match.span()
    if match.group("wd") and ctx.published:
        future = speaks_of_future(ctx, start, end)
        when = When.of(nearest_weekday(ctx.published, WEEKDAYS[match.group("wd").lower()], future=future))
        return Result(when, when.iso() + clock, "time", "publication", _is_future(ctx, when, start, end))
    base = ctx.last if ctx.last and ctx.last.precision == DAY else (
        When.of(ctx.published) if ctx.published else None)
    return Result(None, (base.iso() if base else "XXXX-XX-XX") + clock, "time", None)


def _noon(match, ctx, _):
    word = match.group("word").lower()
    clock = "T24:00" if word == "midnight" else "T12:00"
    rel = (match.group("rel") or "").lower()
    if rel and ctx.published:
        when = When.of(ctx.published + dt.timedelta(days={"yesterday": -1, "today": 0, "tomorrow": 1}[rel]))
        return Result(when, when.iso() + clock, "time", "publication", rel == "tomorrow")
    base = ctx.last if ctx.last and ctx.last.precision == DAY else None
    return Result(None, (base.iso() if base else "XXXX-XX-XX") + clock, "time", None)


_DEICTIC_DAYS = {"today": (0, None), "tonight": (0, "night"), "yesterday": (-1, None),
                 "tomorrow": (1, None), "the day before yesterday": (-2, None),
                 "the day after tomorrow": (2, None), "last night": (-1, "night"),
                 "this morning": (0, "morning"), "this afternoon": (0, "afternoon"),
                 "this evening": (0, "evening")}
_REFS = {"nowadays": "PRESENT_REF", "now": "PRESENT_REF", "currently": "PRESENT_REF",
         "at present": "PRESENT_REF", "presently": "PRESENT_REF", "at the moment": "PRESENT_REF",
         "these days": "PRESENT_REF", "recently": "PAST_REF", "lately": "PAST_REF",
         "of late": "PAST_REF", "the past": "PAST_REF", "at the time": "PAST_REF",
         "that time": "PAST_REF", "the future": "FUTURE_REF", "the near future": "FUTURE_REF",
         "soon": "FUTURE_REF", "undated": None}


def _deictic(match, ctx, _):
    word = re.sub(r"\s+", " ", match.group("word").lower())
    start, end = match.span()
    parts = word.split()
    if word not in _DEICTIC_DAYS and parts[0] in ("yesterday", "tomorrow"):
        step, part = _DEICTIC_DAYS[parts[0]][0], parts[1]
    elif word in _DEICTIC_DAYS:
        step, part = _DEICTIC_DAYS[word]
    else:
        ref = _REFS.get(word)
        return Result(None, ref, "vague", None, ref == "FUTURE_REF")
    if ctx.published is None:
        return Result(None, "PRESENT_REF" if step == 0 else None, "date", None, step > 0)
    when = When.of(ctx.published + dt.timedelta(days=step))
    return _day_result(ctx, when, "", "publication", start, end, part)


HANDLERS = {"iso": _iso, "mdy": _month_day, "dmy": _month_day, "month": _month,
             "weekofmonth": _week_of_month, "year": _year, "yearrange": _year_range,
             "decade": _decade, "century": _century, "quarter": _quarter, "weekday": _weekday,
             "clock": _clock, "noonday": _noon, "deictic": _deictic}
