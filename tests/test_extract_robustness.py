"""No input crashes extraction; every bad document is named, every other one still processed.

Bad files are made in ``tmp_path`` at test time (the 50 MB one too). The CLI
runs in-process through typer's CliRunner, so the spaCy pipeline loaded for
the session is reused.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.ingest import read_paths
from linkwatch.model.records import Article, Failure
from linkwatch.pipeline import extract_articles, extract_text
from test_extract_contract import _spans, assert_report_ok, nlp, report_validator  # noqa: F401  (fixtures)
from test_ingest_readers import html_page, make_pdf

GOOD = "Naji Zaheer, a senior commander of the Crimson Front, met Omar Bashir in Karsan on Monday, officials said."


def _junk(n: int) -> bytes:
    rnd = random.Random(11)
    return bytes(rnd.randrange(256) for _ in range(n))


def _write_50mb(path: Path) -> None:
    with path.open("wb") as fh:
        for _ in range(50):
            fh.write(b"x" * (1024 * 1024))
        fh.write(b"!")


# (file name, how to make it, words stderr must show after "Error: <path>")
BAD = {
    "binary junk": ("junk.txt", lambda p: p.write_bytes(_junk(4000)), "binary content"),
    "empty file": ("empty.txt", lambda p: p.write_bytes(b""), "no text in document"),
    "broken html without text": ("broken.html", lambda p: p.write_bytes(b"<html><body><div><</div"), "no "),
    "50 MB file": ("huge.txt", _write_50mb, "over the"),
    "undecodable bytes": ("high.txt", lambda p: p.write_bytes(bytes(range(128, 256)) * 20), "undecodable bytes"),
    "json line without text": ("lines.jsonl", lambda p: p.write_text(json.dumps({"text": GOOD}) + "\n"
                                                                     + json.dumps({"title": "no text"}) + "\n"),
                               "JSON article has no 'text'"),
    "html with only navigation": ("nav.html", lambda p: p.write_text(
        "<html><body><nav><a href=/>Home</a> <a href=/w>World</a></nav><footer>Copyright 2024</footer></body></html>"),
        "no main text"),
    "json that is a list with a bad item": ("list.json", lambda p: p.write_text(json.dumps([{"text": GOOD}, 7])),
                                            "item 2: expected a JSON object"),
    "bad line among good jsonl lines": ("mixed.jsonl", lambda p: p.write_text(
        json.dumps({"text": GOOD}) + "\n{oops\n" + json.dumps({"text": GOOD}) + "\n"), "invalid JSON line"),
}
LINE = {"json line without text": 2, "bad line among good jsonl lines": 2}


def _run(args: list[str], **kwargs):
    return CliRunner().invoke(app, ["extract", *args], **kwargs)


def _jsonl(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_cli_names_the_bad_file_and_processes_the_rest(nlp, tmp_path, case):
    name, make, words = BAD[case]
    (tmp_path / "a_good.txt").write_text(GOOD)
    bad = tmp_path / name
    make(bad)
    (tmp_path / "z_good.txt").write_text(GOOD.replace("Monday", "Tuesday"))
    result = _run([str(tmp_path), "--format", "jsonl"])
    assert result.exit_code == 1, result.output
    where = f"{bad}:{LINE[case]}" if case in LINE else f"{bad}"
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith(f"Error: {where}: ") and words in errors[0], errors[0]
    assert "Traceback" not in result.stderr
    reports = _jsonl(result.stdout)
    names = [Path(r["document"]["source"]).name for r in reports]
    good_in_bad = {"json line without text": 1, "json that is a list with a bad item": 1,
                   "bad line among good jsonl lines": 2}.get(case, 0)
    assert names == ["a_good.txt"] + [name] * good_in_bad + ["z_good.txt"]


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_library_yields_a_failure_in_place(nlp, tmp_path, case):
    name, make, words = BAD[case]
    bad = tmp_path / name
    make(bad)
    out = list(extract_articles(read_paths([tmp_path / "none.txt", bad])))
    assert isinstance(out[0], Failure) and "cannot read" in out[0].reason  # a missing file, named
    failures = [o for o in out[1:] if isinstance(o, Failure)]
    assert len(failures) == 1 and failures[0].source == str(bad) and words in failures[0].reason
    assert failures[0].line == LINE.get(case)


def test_exit_status_is_zero_when_nothing_failed(nlp, tmp_path):
    (tmp_path / "a.txt").write_text(GOOD)
    result = _run([str(tmp_path / "a.txt"), "--format", "jsonl"])
    assert result.exit_code == 0 and result.stderr == ""
    assert len(_jsonl(result.stdout)) == 1


def test_feeds_give_one_report_per_entry(nlp, report_validator, tmp_path):
    feeds = Path(__file__).resolve().parent / "fixtures" / "feeds"
    result = _run([str(feeds), "--format", "jsonl"])
    assert result.exit_code == 1  # the entry with no text
    assert "feed entry 3 ('Photo gallery') has no text" in result.stderr
    reports = _jsonl(result.stdout)
    assert [r["document"]["id"] for r in reports] == ["urn:example:atom:a", "example-wire-1", "http://example.org/2"]
    assert [r["document"]["published"] for r in reports] == ["2024-03-05", "2024-03-05", "2024-03-06"]
    texts = {a.id: a.text for a in read_paths([feeds]) if isinstance(a, Article)}
    for report in reports:
        assert_report_ok(report, texts[report["document"]["id"]], report_validator)


def test_pdf_is_extracted(nlp, report_validator, tmp_path):
    path = tmp_path / "brief.pdf"
    path.write_bytes(make_pdf(GOOD, title="A brief"))
    result = _run([str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["document"]["title"] == "A brief"
    assert_report_ok(report, GOOD, report_validator)


def test_stdin_dash(nlp, report_validator):
    result = _run(["-", "--format", "json", "--published", "2024-03-05"], input=GOOD.encode())
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["document"]["source"], report["document"]["published"]) == ("<stdin>", "2024-03-05")
    assert_report_ok(report, GOOD, report_validator)


def test_published_overrides_metadata_and_meta_date_is_used_otherwise(nlp, tmp_path):
    path = tmp_path / "page.html"
    path.write_text(html_page(meta='<meta property="article:published_time" content="2024-03-05T09:30:00Z">'))
    plain = json.loads(_run([str(path), "--format", "json"]).stdout)
    forced = json.loads(_run([str(path), "--format", "json", "--published", "2020-01-02"]).stdout)
    assert plain["document"]["published"] == "2024-03-05"
    assert forced["document"]["published"] == "2020-01-02"


def test_published_that_is_not_a_date_is_a_clear_error(tmp_path):
    (tmp_path / "a.txt").write_text(GOOD)
    result = _run([str(tmp_path / "a.txt"), "--published", "someday"])
    assert result.exit_code != 0
    assert result.stderr.startswith("Error: ") and "'someday' is not a date" in result.stderr
    assert "Traceback" not in result.stderr


def test_unicode_quotes_dashes_and_spaces_keep_offsets(nlp, report_validator, tmp_path):
    raw = ("VELMONT\u2014The \u201cArmy of the Dawn\u201d said on Tuesday that its leader, Tariq\u00a0Rahimi, had "
           "travelled to Qamra\u2013Birvan for talks.\n\nRahimi\u2019s deputy, Yusuf\u202fNouri, called the visit "
           "\u2018a turning point\u2019 \u2014 a phrase repeated at a rally in Semnar on 12\u00a0May\u00a02023.\n")
    path = tmp_path / "u.txt"
    path.write_text(raw, encoding="utf-8")
    (article,) = read_paths([path])
    assert len(article.text) == len(raw)  # one-for-one space fixes: offsets into the file's text still hold
    report = json.loads(_run([str(path), "--format", "json"]).stdout)
    assert_report_ok(report, article.text, report_validator)
    for _, span in _spans(report):
        assert raw[span["start"]:span["end"]].replace("\u00a0", " ").replace("\u202f", " ") == span["text"]


# ---- no text crashes extract_text -----------------------------------------------

WORDS = st.sampled_from(["Naji", "Zaheer", "Crimson", "Front", "met", "in", "Karsan", "on", "Monday", "the",
                         "Lashkar-e-Taiba", "LeT.", "(PMML)\u2014widely", "said", "2024", "March", "he", "al-Qaeda",
                         "commander", "of", "\u201cquoted\u201d", "\u2014", "U.S.", "Dr.", "visited", "attack"])
TOKENS = st.one_of(
    WORDS,
    st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=12),  # any unicode
    st.text(alphabet=".,;:!?-\u2014\u2013'\"()[]{}/\\*&%$#@~`^|<>\u201c\u201d\u2018\u2019\u00a0", min_size=1,
            max_size=30),  # punctuation soup
    st.text(alphabet="abcXYZ-_", min_size=200, max_size=600),  # very long tokens
    st.sampled_from(["\n", "\n\n", "\n\n\n   \n", "\t", "  ", "\r\n", "\u2028", "\x0c"]),  # empty lines, odd breaks
)
TEXTS = st.lists(TOKENS, max_size=60).map(" ".join)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(text=TEXTS, published=st.one_of(st.none(), st.sampled_from(["2024-03-05", "1999-12-31"])))
def test_extract_text_never_raises_and_spans_quote_the_text(nlp, report_validator, text, published):
    report = extract_text(text, published=published)
    assert_report_ok(report, text, report_validator)


@pytest.mark.parametrize("text", ["", " ", "\n\n\n", ".", "\u2014", "x" * 5000, "Naji " * 2000,
                                  "\u00a0\u00a0", "LeT. LeT. LeT.", "\ufeffNaji Zaheer"],
                         ids=["empty", "space", "newlines", "dot", "dash", "one long token", "repeated name",
                              "nbsp", "acronyms", "bom"])
def test_extract_text_edge_cases(nlp, report_validator, text):
    assert_report_ok(extract_text(text), text, report_validator)


def test_empty_and_failure_only_streams(nlp):
    assert list(extract_articles([])) == []
    failure = Failure(source="x.txt", reason="no text in document", code="E_EMPTY")
    assert list(extract_articles([failure, failure], jobs=2)) == [failure, failure]
