"""Look-alikes of time expressions, filtered before overlaps are settled.

"2,000" and "12 children" are not years, "may" and "March on Washington" are
not months, "Black Friday" is not a weekday, "a second term" is not a duration.
"""
from __future__ import annotations

import re

from linkwatch.extract.timex_patterns import COUNT_NOUNS, MONTHS, NUMBER_WORDS, SEASONS, YEAR_CUES

_PREV_WORD = re.compile(r"([\w'’.-]+)[\s,]*$")
_MONTH_NEAR = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September|"
                         r"October|November|December|Jan|Feb|Aug|Sept?|Oct|Nov|Dec)\b")
_MONTH_CUES = frozenset("in since until till by during from through throughout to before after of "
                        "between early late mid last this next that each every around as for "
                        "mid-".split())
_WEEKDAY_CUES = frozenset("on last this next by since until till from early late that every each "
                          "and or to before after the through".split())


def _prev_word(text: str, start: int) -> str:
    match = _PREV_WORD.search(text[max(0, start - 30):start])
    return match.group(1) if match else ""


def _at_sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 3):start].rstrip(" \t\"'“‘(")
    return not before or before[-1] in ".!?\n"


def accept(name: str, match: re.Match[str], text: str) -> bool:
    """False for matches that only look like time expressions."""
    start, end = match.span()
    groups = match.groupdict()
    prev = _prev_word(text, start)
    if name == "year" and not (groups.get("mod") or groups.get("season") or groups.get("fiscal")):
        year = int(groups["year"])
        cue = prev.lower() in YEAR_CUES or prev.endswith(("'s", "’s"))
        if year < 1800 and not cue:
            return False
        if prev[:1].isupper() and not cue and not _at_sentence_start(text, start - len(prev) - 1):
            if prev.lower().rstrip(".") not in MONTHS and prev.lower() not in SEASONS:
                return False  # "Resolution 2334", "Windows 2000"
        if COUNT_NOUNS.match(text, end) and prev.lower() not in ("in", "since", "the", "by", "until", "of"):
            return False  # "2000 people"
        if re.match(r"\s*(?:percent|per\s+cent|%)", text[end:end + 12], re.I):
            return False
        return True
    if name == "month" and not (groups.get("mod") or groups.get("rel") or groups.get("year")
                                or groups.get("relyear")):
        word = prev.lower()
        if word in _MONTH_CUES:
            return True
        if word in ("and", "or", "&", "-", "to") and _MONTH_NEAR.search(text, max(0, start - 30), start):
            return True
        # adjective use: "the January attack", "a May election"
        if word in ("the", "a", "an", "'s", "’s") or prev.endswith(("'s", "’s")):
            return bool(re.match(r"\s+[a-z]", text[end:end + 3]))
        return False
    if name == "weekday":
        if groups.get("rel") or groups.get("pre"):
            return True
        if prev[:1].isupper() and prev.lower() not in _WEEKDAY_CUES and prev.lower().rstrip(".") not in MONTHS:
            return False  # "Black Friday", "Good Friday", "Bloody Sunday"
        return True
    if name == "offset":
        num = groups["num"].lower()
        unit = groups["unit"].lower()
        if num in ("a", "an", "one") and unit.startswith("second"):
            return False  # "a second term"
        if num in ("a", "an") and re.search(r"(?:\d|\$|times|once|twice)\s*$", text[max(0, start - 12):start]):
            return False
        if re.search(r"\b(?:ages?|aged)\s*$", text[max(0, start - 8):start], re.I):
            return False  # "children ages 6 months and older"
        if num in ("some", "many") and not groups.get("approx") and unit.startswith(("second", "minute")):
            return False
        return True
    if name == "plural":
        if re.fullmatch(r"[\d.,]+", prev) or prev.lower() in NUMBER_WORDS:
            return False
        if prev.lower() in ("the", "these", "those", "his", "her", "their", "its", "our", "my", "your",
                            "whose", "early", "earliest", "final", "first", "golden", "dark", "school",
                            "glory", "happy", "working", "business", "office", "visiting"):
            return False
        return True
    if name == "deictic":
        word = groups["word"].lower()
        if word == "now" and re.match(r"-", text[end:end + 1]):
            return True
        if word in ("presently", "soon") and prev.lower() in ("as", "how"):
            return False
        if word == "soon" and re.match(r"\s+(?:after|afterwards|before|thereafter)\b", text[end:end + 14], re.I):
            return False  # "soon after the release" is anchored, not the future
    return True
