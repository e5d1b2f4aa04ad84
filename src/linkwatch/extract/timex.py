"""Time expressions in news text: find them, and normalise them to calendar values.

``find_timexes(text, published=..., sentences=...)`` returns every time
expression with its exact span and two normalisations:

- ``value``: the calendar value (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``) at the
  precision the text gives, or None for vague or unresolvable expressions;
- ``timex3``: a TIMEX3-style value for benchmarks (``P2Y``, ``2013-W12``,
  ``PRESENT_REF``, ``XXXX-10-07``, ``2013-03-22TEV`` ...).

Implicit years ("on October 29", "in November") are filled from the sentence,
then the paragraph, then the publication date (the latest such date on or
before publication, or the next one when the clause speaks of the future).
Weekdays and deictic expressions ("last week", "yesterday") resolve against
publication; anaphoric ones ("two days later", "the following day", "a week
after October 7") against the date they are relative to, or the last date
mentioned before them. ``anchor`` records which of these gave the value:
``explicit`` (the text gives the year), ``sentence``, ``paragraph``,
``publication`` (filled or deictic), ``relative`` (anaphoric), or None.

Pure Python over text: the patterns (:mod:`.timex_patterns`) are compiled
once; no spaCy, no dateparser.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from linkwatch.extract import timex_resolve as resolve
from linkwatch.extract.timex_accept import accept
from linkwatch.extract.timex_relative import HANDLERS as RELATIVE_HANDLERS
from linkwatch.extract.timex_calendar import When, parse_iso
from linkwatch.extract.timex_patterns import RULE_ORDER, RULES

__all__ = ["Timex", "find_timexes", "split_sentences"]

KINDS = ("date", "time", "duration", "set", "vague")
ANCHORS = ("explicit", "sentence", "paragraph", "publication", "relative")


@dataclass(frozen=True)
class Timex:
    """One time expression: ``text == doc_text[start:end]``."""

    start: int
    end: int
    text: str
    value: str | None
    timex3: str | None
    kind: str
    anchor: str | None
    future: bool


_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof gen col lt sgt capt maj st jr sr no nos vs etc rev sen rep gov pres inc ltd "
    "co corp dept fig approx jan feb mar apr jun jul aug sep sept oct nov dec u.s u.n u.k e.g i.e "
    "a.m p.m".split())
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])|\n+")
_LAST_WORD = re.compile(r"([\w.]+)[.!?]+[\"'”’)\]]*\s*$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans by punctuation and line breaks, skipping common abbreviations."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if match.group().strip() and "\n" not in match.group():
            word = _LAST_WORD.search(text[max(0, match.start() - 20):match.end()])
            token = word.group(1).lower().rstrip(".") if word else ""
            if token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue
        end = match.start() + len(match.group().rstrip())
        if text[start:end].strip():
            spans.append((start, end))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in re.finditer(r"\n", text):
        if text[start:match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


@dataclass
class Context:
    """What resolution needs besides the match: the text, its units and the running anchor."""

    text: str
    published: object  # datetime.date | None
    sentences: list[tuple[int, int]]
    paragraphs: list[tuple[int, int]]
    year_marks: list[tuple[int, int, int | None]]  # (offset, year, month) of expressions stating a year
    last: When | None = None

    def unit_of(self, spans: list[tuple[int, int]], offset: int) -> tuple[int, int]:
        index = bisect.bisect_right(spans, (offset, len(self.text) + 1)) - 1
        if index >= 0 and spans[index][0] <= offset < max(spans[index][1], spans[index][0] + 1):
            return spans[index]
        return (offset, offset)

    def sentence(self, offset: int) -> tuple[int, int]:
        return self.unit_of(self.sentences, offset)

    def fill_year(self, start: int, end: int, month: int) -> tuple[int, str] | None:
        """A year for a month (or month-day) given without one: the year last stated before it
        in its sentence, else in its paragraph.

        A stated month later in the year than ``month`` ("Kabul in August 2021, Kerman in
        January") reads as a chronological list moving on, so that year is not borrowed.
        """
        s0, _ = self.sentence(start)
        p0, _ = self.unit_of(self.paragraphs, start)
        index = bisect.bisect_left(self.year_marks, (start,))
        for pos, year, stated_month in reversed(self.year_marks[:index]):
            if pos < min(s0, p0):
                break
            if stated_month is not None and stated_month > month:
                return None
            return year, "sentence" if pos >= s0 else "paragraph"
        return None


_HANDLERS = {**resolve.HANDLERS, **RELATIVE_HANDLERS}


def _resolve(name: str, match: re.Match[str], ctx: Context,
             anchor: resolve.Result | None = None) -> resolve.Result | None:
    return _HANDLERS[name](match, ctx, anchor)


def _candidates(text: str) -> list[tuple[int, int, str, re.Match[str]]]:
    found = []
    for name, pattern in RULES:
        for match in pattern.finditer(text):
            if match.end() > match.start() and accept(name, match, text):
                found.append((match.start(), match.end(), name, match))
    return found


def _select(found: list[tuple[int, int, str, re.Match[str]]]) -> list[tuple[int, int, str, re.Match[str]]]:
    """Non-overlapping matches, longest first (then earliest, then by rule order)."""
    ranked = sorted(found, key=lambda c: (-(c[1] - c[0]), c[0], RULE_ORDER[c[2]]))
    taken: list[tuple[int, int]] = []
    chosen = []
    for cand in ranked:
        index = bisect.bisect_left(taken, (cand[0], cand[1]))
        if index > 0 and taken[index - 1][1] > cand[0]:
            continue
        if index < len(taken) and taken[index][0] < cand[1]:
            continue
        taken.insert(index, (cand[0], cand[1]))
        chosen.append(cand)
    return sorted(chosen, key=lambda c: c[0])


def find_timexes(text: str, *, published: str | None = None,
                 sentences: Sequence[tuple[int, int]] | None = None) -> list[Timex]:
    """Every time expression in ``text``, in order, normalised against ``published``."""
    if not text:
        return []
    chosen = _select(_candidates(text))
    year_marks = [(c[0], *stated) for c in chosen if (stated := resolve.stated_year(c[2], c[3])) is not None]
    ctx = Context(text=text, published=parse_iso(published),
                  sentences=sorted(sentences) if sentences else split_sentences(text),
                  paragraphs=_paragraphs(text), year_marks=year_marks)
    timexes: list[Timex] = []
    index = 0
    while index < len(chosen):
        start, end, name, match = chosen[index]
        following = chosen[index + 1] if index + 1 < len(chosen) else None
        if following and resolve.takes_anchor(name, match) and text[end:following[0]].strip() == "":
            # "a week after October 7": the date is the anchor, the whole phrase one expression
            inner = _resolve(following[2], following[3], ctx)
            result = _resolve(name, match, ctx, inner)
            if result is not None and inner is not None and inner.when is not None:
                end = following[1]
                index += 1
        else:
            result = _resolve(name, match, ctx)
        index += 1
        if result is None:
            continue
        if result.when is not None and result.kind in ("date", "time"):
            ctx.last = result.when
        timexes.append(Timex(start=start, end=end, text=text[start:end],
                             value=result.when.iso() if result.when else None,
                             timex3=result.timex3, kind=result.kind, anchor=result.anchor,
                             future=result.future))
    return timexes
