"""The extraction report contract, over every report the suite produces.

Each report (seed, every dev article, the shipped examples, the fixture texts)
must validate against ``shared/contract/report.schema.json``; every span must
quote the document text as read; every entity id a relation or event names
must exist. Batches, single items and worker processes must agree.

The spaCy pipeline is loaded once per process (``load_nlp`` is cached) and the
dev set is extracted once (``_extract_dev`` is cached), whichever module asks.
Other modules import the fixtures and ``assert_report_ok`` from here.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkwatch.cli import app
from linkwatch.ingest import read_paths
from linkwatch.model.records import Article, Failure
from linkwatch.pipeline import extract_articles

FIXTURES = Path(__file__).resolve().parent / "fixtures"


# ---- shared fixtures ---------------------------------------------------------


@lru_cache(maxsize=None)
def _read(*paths: str) -> tuple[Article | Failure, ...]:
    return tuple(read_paths(list(paths)))


@lru_cache(maxsize=None)
def _extract(*paths: str) -> tuple[dict | Failure, ...]:
    return tuple(extract_articles(_read(*paths)))


@pytest.fixture(scope="session")
def nlp():
    from linkwatch.extract.nlp import load_nlp
    return load_nlp()


@pytest.fixture(scope="session")
def report_validator(report_schema):
    from jsonschema import Draft202012Validator
    Draft202012Validator.check_schema(report_schema)
    return Draft202012Validator(report_schema)


@pytest.fixture(scope="session")
def dev_articles(shared_dir) -> tuple[Article, ...]:
    articles = _read(str(shared_dir / "dev" / "articles"))
    assert len(articles) == 20 and all(isinstance(a, Article) for a in articles), articles
    return articles


@pytest.fixture(scope="session")
def dev_reports(nlp, shared_dir, dev_articles) -> tuple[dict, ...]:
    reports = _extract(str(shared_dir / "dev" / "articles"))
    failures = [r for r in reports if isinstance(r, Failure)]
    assert not failures, failures
    return reports


@pytest.fixture(scope="session")
def fixture_articles() -> tuple[Article | Failure, ...]:
    return _read(str(FIXTURES / "reports"), str(FIXTURES / "feeds"))


@pytest.fixture(scope="session")
def fixture_reports(nlp, fixture_articles) -> tuple[dict | Failure, ...]:
    return _extract(str(FIXTURES / "reports"), str(FIXTURES / "feeds"))


# ---- the checks every report must pass ----------------------------------------


def _spans(report: dict):
    for entity in report["entities"]:
        for mention in entity["mentions"]:
            yield f"entity {entity['id']} mention", mention
    for i, relation in enumerate(report["relations"]):
        for span in relation["evidence"]:
            yield f"relation {i} ({relation['predicate']}) evidence", span
    for event in report["events"]:
        for span in event["evidence"]:
            yield f"event {event['id']} evidence", span


def report_problems(report: dict, text: str, validator) -> list[str]:
    """Everything wrong with one report against the contract; [] when it is clean."""
    problems = [f"schema: {'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in validator.iter_errors(report)]
    if problems:
        return problems
    for where, span in _spans(report):
        start, end = span["start"], span["end"]
        if not 0 <= start <= end <= len(text):
            problems.append(f"{where}: [{start}, {end}) outside the text (length {len(text)})")
        elif text[start:end] != span["text"]:
            problems.append(f"{where}: text[{start}:{end}] == {text[start:end]!r}, span says {span['text']!r}")
    ids = [e["id"] for e in report["entities"]]
    if len(set(ids)) != len(ids):
        problems.append(f"duplicate entity ids: {sorted(i for i in set(ids) if ids.count(i) > 1)}")
    event_ids = [v["id"] for v in report["events"]]
    if len(set(event_ids)) != len(event_ids):
        problems.append("duplicate event ids")
    known = set(ids)
    for i, relation in enumerate(report["relations"]):
        for key in ("subject", "object"):
            if relation[key] not in known:
                problems.append(f"relation {i} {key} {relation[key]!r} is not an entity id")
    for event in report["events"]:
        refs = [p["entity"] for p in event["participants"]] + [event.get("organizer"), event["location"]]
        for ref in refs:
            if ref is not None and ref not in known:
                problems.append(f"event {event['id']} names {ref!r}, not an entity id")
    return problems


def assert_report_ok(report: dict, text: str, validator) -> None:
    problems = report_problems(report, text, validator)
    assert not problems, f"{report['document'].get('source')}:\n  " + "\n  ".join(problems)


def assert_reports_ok(pairs, validator) -> None:
    """All problems of many (report, text) pairs in one failure message."""
    problems = []
    for report, text in pairs:
        problems += [f"{report['document'].get('source')} [{report['document']['id']}]: {p}"
                     for p in report_problems(report, text, validator)]
    assert not problems, "\n".join(problems)


# ---- the checker itself can fail ------------------------------------------------


def test_checker_catches_broken_reports(report_validator):
    text = "Naji Zaheer met Omar Bashir."
    good = {"document": {"id": "x", "published": None, "source": None},
            "entities": [{"id": "E1", "name": "Naji Zaheer", "type": "person", "aliases": [],
                          "mentions": [{"start": 0, "end": 11, "text": "Naji Zaheer"}]}],
            "relations": [], "events": []}
    assert report_problems(good, text, report_validator) == []
    shifted = json.loads(json.dumps(good))
    shifted["entities"][0]["mentions"][0]["start"] = 1
    assert any("text[1:11]" in p for p in report_problems(shifted, text, report_validator))
    dangling = json.loads(json.dumps(good))
    dangling["relations"].append({"subject": "E1", "predicate": "member_of", "object": "E9",
                                  "modality": "asserted", "evidence": []})
    assert any("'E9'" in p for p in report_problems(dangling, text, report_validator))
    bad_type = json.loads(json.dumps(good))
    bad_type["entities"][0]["type"] = "people"
    assert any(p.startswith("schema:") for p in report_problems(bad_type, text, report_validator))


# ---- every report the suite produces ----------------------------------------------


def test_dev_reports_meet_contract(dev_articles, dev_reports, report_validator):
    assert [r["document"]["id"] for r in dev_reports] == [a.id for a in dev_articles]
    assert_reports_ok(zip(dev_reports, (a.text for a in dev_articles)), report_validator)


def test_dev_document_blocks_come_from_articles(dev_articles, dev_reports):
    for article, report in zip(dev_articles, dev_reports):
        doc = report["document"]
        assert (doc["id"], doc["published"], doc["source"], doc["title"]) == \
            (article.id, article.published, article.source, article.title)


def test_seed_report_meets_contract(nlp, shared_dir, report_validator):
    seeds = sorted((shared_dir / "seeds").glob("*.txt"))
    assert seeds
    for seed in seeds:
        (article,) = _read(str(seed))
        (report,) = _extract(str(seed))
        assert isinstance(report, dict), report
        assert report["entities"], "the seed names people and groups"
        assert_report_ok(report, article.text, report_validator)


def test_shipped_examples_meet_contract(nlp, examples_dir, report_validator):
    articles = _read(str(examples_dir))
    reports = _extract(str(examples_dir))
    assert len(reports) == len(articles) >= 3
    assert not [r for r in reports if isinstance(r, Failure)], reports
    assert_reports_ok(zip(reports, (a.text for a in articles)), report_validator)


def test_fixture_reports_meet_contract(fixture_articles, fixture_reports, report_validator):
    pairs = [(r, a.text) for a, r in zip(fixture_articles, fixture_reports) if isinstance(a, Article)]
    assert len(pairs) == 10  # 5 files (two hold two articles each) and two feeds (three entries with text)
    assert not [r for r, _ in pairs if isinstance(r, Failure)]
    assert_reports_ok(pairs, report_validator)


def test_failures_pass_through_in_place(fixture_articles, fixture_reports):
    assert len(fixture_reports) == len(fixture_articles)
    for article, out in zip(fixture_articles, fixture_reports):
        if isinstance(article, Failure):
            assert out == article
        else:
            assert out["document"]["id"] == article.id


# ---- batch, item by item, worker processes --------------------------------------


def test_batch_gives_what_item_by_item_gives(dev_articles, dev_reports, fixture_articles, fixture_reports):
    items = list(dev_articles) + list(fixture_articles)
    batch = list(dev_reports) + list(fixture_reports)
    one_by_one = [out for item in items for out in extract_articles([item])]
    assert len(one_by_one) == len(batch)
    for got, want in zip(one_by_one, batch):
        assert got == want, (want["document"]["id"] if isinstance(want, dict) else want)


def test_small_batches_give_what_one_batch_gives(dev_articles, dev_reports):
    assert list(extract_articles(dev_articles, batch_size=3)) == list(dev_reports)


def test_two_workers_give_what_one_gives(dev_articles, dev_reports):
    # batch_size 3 spreads the 20 articles over 7 batches, so both workers take several
    assert list(extract_articles(dev_articles, jobs=2, batch_size=3)) == list(dev_reports)


def test_text_limit_fails_that_document_only(nlp, monkeypatch):
    monkeypatch.setenv("LINKWATCH_MAX_CHARS", "60")
    short = Article(id="short", text="Omar Bashir met Karim Haddad in Tel Ashar.")
    long = Article(id="long", text="Omar Bashir met Karim Haddad in Tel Ashar on Sunday, officials said.", source="long.txt")
    out = list(extract_articles([long, short]))
    assert isinstance(out[0], Failure) and out[0].code == "E_TOO_LARGE" and out[0].source == "long.txt"
    assert isinstance(out[1], dict) and out[1]["document"]["id"] == "short"


# ---- the command line ------------------------------------------------------------


def _jsonl(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_directory_jsonl_is_in_file_name_order(nlp, tmp_path):
    texts = {"c.txt": "Karim Haddad visited Lotfa on Monday.",
             "a.txt": "Omar Bashir met Idris Farouk in Semnar.",
             "sub/b.txt": "The Sword Movement held a rally in Qamra.",
             "b.txt": "Samir Khalidi leads the Crimson Front."}
    for name, text in texts.items():  # written out of name order on purpose
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(tmp_path), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    sources = [Path(r["document"]["source"]).relative_to(tmp_path).as_posix() for r in _jsonl(result.stdout)]
    assert sources == ["a.txt", "b.txt", "c.txt", "sub/b.txt"]


def test_cli_two_workers_give_what_one_gives(nlp):
    args = ["extract", str(FIXTURES / "reports"), str(FIXTURES / "feeds"), "--format", "jsonl"]
    one = CliRunner().invoke(app, args + ["--jobs", "1"])
    two = CliRunner().invoke(app, args + ["--jobs", "2"])
    assert one.exit_code == two.exit_code == 1  # the feed's empty entry fails
    assert len(_jsonl(one.stdout)) == 10
    assert _jsonl(two.stdout) == _jsonl(one.stdout)
    assert two.stderr == one.stderr
