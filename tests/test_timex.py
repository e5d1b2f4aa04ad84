"""Time expressions: recognition, spans, calendar values and TIMEX3 values."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkwatch.extract.timex import Timex, find_timexes, split_sentences

ROOT = Path(__file__).resolve().parents[1]


def _find(text: str, phrase: str, published: str | None) -> Timex:
    found = find_timexes(text, published=published)
    for timex in found:
        assert text[timex.start:timex.end] == timex.text
    matches = [t for t in found if t.text == phrase]
    assert matches, f"{phrase!r} not found in {[t.text for t in found]}"
    return matches[0]


# (text, published, expression, value, kind)
VALUES = [
    # full dates, abbreviations, ISO, datelines
    ("The talks opened on October 14, 2023 in Doha.", "2024-01-05", "October 14, 2023", "2023-10-14", "date"),
    ("The talks opened on 14 October 2023 in Doha.", None, "14 October 2023", "2023-10-14", "date"),
    ("The ministers met on 2023-10-14 in Doha.", None, "2023-10-14", "2023-10-14", "date"),
    ("The envoy flew in on Oct. 14 for talks.", "2023-11-02", "Oct. 14", "2023-10-14", "date"),
    ("Jets struck the camp on Feb. 26 before dawn.", "2019-05-02", "Feb. 26", "2019-02-26", "date"),
    ("KABUL, July 31 (Wire) – A bomb exploded near the ministry.", "2024-07-31", "July 31", "2024-07-31", "date"),
    # month and year, adjective use, month alone
    ("He toured the region in February 2025.", "2025-03-10", "February 2025", "2025-02", "date"),
    ("She described a January 2024 trip to the border.", "2024-06-01", "January 2024", "2024-01", "date"),
    ("The council met again in November.", "2024-12-03", "November", "2024-11", "date"),
    ("The envoy returned in December.", "2020-02-29", "December", "2019-12", "date"),
    ("Clashes resumed in late March near the river.", "2024-08-01", "late March", "2024-03", "date"),
    ("Arrests came in the third week of May.", "2021-06-07", "the third week of May", "2021-05", "date"),
    # years and look-alikes
    ("The movement was founded in 2002.", "2021-06-07", "2002", "2002", "date"),
    ("The group has been banned since 2006.", "2021-06-07", "2006", "2006", "date"),
    # implicit years from sentence, paragraph and publication
    ("The cell staged several raids in 2023, including one on October 29.", "2024-07-31",
     "October 29", "2023-10-29", "date"),
    ("Hamas attacked Israel on October 7.", "2024-07-31", "October 7", "2023-10-07", "date"),
    ("The leaders will meet again on October 7.", "2024-07-31", "October 7", "2024-10-07", "date"),
    ("He visited Kabul on July 30 last year.", "2024-03-25", "July 30 last year", "2023-07-30", "date"),
    # weekdays against publication (2024-07-31 is a Wednesday)
    ("The leader was killed early on Wednesday in Tehran.", "2024-07-31", "early on Wednesday", "2024-07-31", "date"),
    ("He was killed late on Wednesday.", "2024-07-31", "late on Wednesday", "2024-07-31", "date"),
    ("He attended Tuesday's swearing-in at the parliament.", "2024-07-31", "Tuesday", "2024-07-30", "date"),
    ("A strike hit the suburb on Tuesday evening.", "2024-07-31", "Tuesday evening", "2024-07-30", "time"),
    ("Rockets struck the town on Saturday.", "2024-07-31", "Saturday", "2024-07-27", "date"),
    ("His funeral will be held on Friday in Doha.", "2024-07-31", "Friday", "2024-08-02", "date"),
    ("The merger was announced last Thursday.", "2017-03-06", "last Thursday", "2017-03-02", "date"),
    # deictic expressions
    ("The minister spoke to reporters today.", "2024-07-31", "today", "2024-07-31", "date"),
    ("The convoy was ambushed yesterday.", "2024-07-31", "yesterday", "2024-07-30", "date"),
    ("The declaration was signed last week.", "2024-08-02", "last week", "2024-07", "date"),
    ("The declaration was signed last month.", "2024-08-02", "last month", "2024-07", "date"),
    ("The group was proscribed last year.", "2020-02-12", "last year", "2019", "date"),
    ("More talks are planned this month.", "2020-02-29", "this month", "2020-02", "date"),
    ("The envoy was recalled last September.", "2020-02-29", "last September", "2019-09", "date"),
    # relative to the last date mentioned, or to a stated anchor
    ("Jets struck on Feb. 26. The following day a pilot was captured.", "2019-05-02",
     "The following day", "2019-02-27", "date"),
    ("Jets struck on Feb. 26. The following day a pilot was captured. He was freed two days later.",
     "2019-05-02", "two days later", "2019-03-01", "date"),
    ("The killing came on July 31. He had been sworn in a day before the killing.", "2024-08-02",
     "a day before", "2024-07-30", "date"),
    ("Troops massed a week after October 7.", "2024-07-31", "a week after October 7", "2023-10-14", "date"),
    ("They seized the north in 2012, before France intervened early the following year.", "2017-03-03",
     "early the following year", "2013", "date"),
    ("A bomber struck in February 2019 and jets replied later that month.", "2024-08-09",
     "later that month", "2019-02", "date"),
    ("Fighting began in March. Two days later the town fell.", "2024-08-01", "Two days later", "2024-03", "date"),
    # a chronological list moves on: a month before the stated one is not borrowed into its year
    ("IS-K bombed Kabul in August 2021, Kerman in January and Moscow in March.", "2024-08-09",
     "January", "2024-01", "date"),
    ("In February 2019 a bomber struck, and in May the UN listed the group.", "2024-08-09",
     "May", "2019-05", "date"),
    # a year stated after the date in its sentence is not borrowed
    ("On January 18 a bomber struck a camp set up under the 2015 peace deal.", "2017-03-06",
     "January 18", "2017-01-18", "date"),
    # vague and durations
    ("The commander recently met the envoy.", "2024-07-31", "recently", None, "vague"),
    ("An undated video showed the five leaders.", "2017-03-03", "undated", None, "vague"),
    ("The group fought the army for several years.", "2024-07-31", "several years", None, "duration"),
    ("The siege lasted more than two years.", "2024-07-31", "more than two years", None, "duration"),
    # sets
    ("The council meets every month.", "2024-07-31", "every month", None, "set"),
]


@pytest.mark.parametrize("text,published,phrase,value,kind", VALUES)
def test_values(text, published, phrase, value, kind):
    timex = _find(text, phrase, published)
    assert (timex.value, timex.kind) == (value, kind)


# (text, published, expression, timex3)
TIMEX3 = [
    ("The talks were held on October 7.", None, "October 7", "XXXX-10-07"),
    ("The talks were held in November.", None, "November", "XXXX-11"),
    ("He spoke on Tuesday.", None, "Tuesday", "XXXX-WXX-2"),
    ("Six deaths were reported this week.", "2013-03-22", "this week", "2013-W12"),
    ("The siege lasted two years.", "2013-03-22", "two years", "P2Y"),
    ("Prices are high now.", "2013-03-22", "now", "PRESENT_REF"),
    ("The talks stalled in the past.", "2013-03-22", "the past", "PAST_REF"),
    ("The group was banned in the first quarter of 2012.", "2013-03-22", "the first quarter of 2012", "2012-Q1"),
    ("The trial ended last summer.", "2013-03-22", "last summer", "2012-SU"),
    ("He was released four years ago.", "2013-03-22", "four years ago", "2009"),
    ("The strike came on Tuesday evening.", "2024-07-31", "Tuesday evening", "2024-07-30TEV"),
    ("The camps date from the 1990s.", "2013-03-22", "the 1990s", "199"),
    ("The talks were held every morning.", "2013-03-22", "every morning", "XXXX-XX-XXTMO"),
]


@pytest.mark.parametrize("text,published,phrase,timex3", TIMEX3)
def test_timex3(text, published, phrase, timex3):
    assert _find(text, phrase, published).timex3 == timex3


# (text, published, expression, anchor, future)
ANCHORS = [
    ("The talks opened on October 14, 2023.", "2024-07-31", "October 14, 2023", "explicit", False),
    ("There were raids in 2023, including one on October 29.", "2024-07-31", "October 29", "sentence", False),
    ("Raids grew in 2023. One came on October 29.", "2024-07-31", "October 29", "paragraph", False),
    ("Raids grew in 2023.\n\nOne came on October 29.", "2024-07-31", "October 29", "publication", False),
    ("The council will meet next week.", "2024-07-31", "next week", "publication", True),
    ("The council met on Feb. 26. It met again two days later.", "2019-05-02", "two days later", "relative", False),
    ("The envoy will arrive on Friday.", "2024-07-31", "Friday", "publication", True),
    ("The commander recently met the envoy.", "2024-07-31", "recently", None, False),
]


@pytest.mark.parametrize("text,published,phrase,anchor,future", ANCHORS)
def test_anchor_and_future(text, published, phrase, anchor, future):
    timex = _find(text, phrase, published)
    assert (timex.anchor, timex.future) == (anchor, future)


@pytest.mark.parametrize("text", [
    "Some 12 children were among the 2,000 people displaced.",
    "About 2000 people fled the fighting.",
    "The committee listed 1267 names under Resolution 2334.",
    "Prices may rise, officials said.",
    "Crowds gathered for Black Friday sales.",
    "Children ages 6 months and older can be vaccinated.",
    "He won the second term easily.",
    "The group was founded soon after his release.",
])
def test_look_alikes_are_not_time(text):
    assert find_timexes(text, published="2024-07-31") == []


def test_no_publication_leaves_bare_dates_unresolved():
    timex = _find("The raid came on October 7.", "October 7", None)
    assert timex.value is None and timex.timex3 == "XXXX-10-07"


def test_sentences_from_the_caller_are_used():
    text = "Raids grew in 2023. One came on October 29."
    own = find_timexes(text, published="2024-07-31", sentences=[(0, len(text))])
    assert [t.anchor for t in own if t.text == "October 29"] == ["sentence"]


def test_split_sentences_keeps_abbreviated_months():
    text = "Jets struck on Feb. 26 near Balakot. Pakistan replied."
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Jets struck on Feb. 26 near Balakot.", "Pakistan replied."]


_PIECES = ["May ", "March ", "on ", "Tuesday", "last ", "week", " 2023", "later", "two ", "days ",
           "the following ", "ago", "every ", "a ", "p.m.", "October 7", ",", ".", "-", "\n", "12:30",
           "1999-2000", "the 1990s", "Feb. ", "26", "'s"]


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(_PIECES), max_size=20).map("".join)),
       st.one_of(st.none(), st.dates().map(lambda d: d.isoformat()), st.text(max_size=12)))
def test_random_text_never_raises(text, published):
    for timex in find_timexes(text, published=published):
        assert text[timex.start:timex.end] == timex.text
        assert timex.kind in ("date", "time", "duration", "set", "vague")


def test_tempeval_bench_smoke(shared_dir, tmp_path):
    out = tmp_path / "tempeval.json"
    data = shared_dir / "bench" / "tempeval3_platinum"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "quality" / "tempeval.py"),
                             "--data", str(data), "--limit", "2", "--json", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    numbers = json.loads(out.read_text())
    assert numbers["documents"] == 2
    assert 0.0 <= numbers["linkwatch"]["value_f1"] <= 1.0
    assert "value_f1" in numbers["baseline"]
