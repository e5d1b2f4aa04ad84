"""The knowledge base store, run on SQLite and (with LINKWATCH_TEST_PG) PostgreSQL.

In CI (CI=true) the PostgreSQL runs FAIL when LINKWATCH_TEST_PG is not set:
`scripts/postgres.sh start` prints the URL to export.
"""
from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import func, select, text

from linkwatch.errors import StoreError
from linkwatch.kb import ingest_articles, merge, split, undo
from linkwatch.model.records import Article, Failure
from linkwatch.store import connect, iter_reports, schema as S
from linkwatch.store.migrate import MIGRATIONS, migrate
from linkwatch.store.query import list_entities, show_entity


def _pg_url() -> str:
    url = os.environ.get("LINKWATCH_TEST_PG")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI=true but LINKWATCH_TEST_PG is not set: run scripts/postgres.sh start and export it")
        pytest.skip("LINKWATCH_TEST_PG not set")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        engine = connect(str(tmp_path / "kb.db"))
    else:
        engine = connect(_pg_url(), migrate=False)
        with engine.begin() as conn:
            S.metadata.drop_all(conn)
        migrate(engine)
    yield engine
    engine.dispose()


# ---- fixture texts (invented) -------------------------------------------------

def article(doc_id, text, **kw):
    return Article(id=doc_id, text=text, source=f"{doc_id}.txt", published=kw.pop("published", "2024-03-01"), **kw)


def report(art, entities, events=(), relations=()):
    return {"document": art.document(), "entities": list(entities), "events": list(events),
            "relations": list(relations)}


def ent(i, name, type_="person", aliases=()):
    return {"id": f"E{i}", "name": name, "type": type_, "aliases": list(aliases), "mentions": []}


def ev(i, type_, parts, time=None, location=None):
    return {"id": f"V{i}", "type": type_, "participants": [{"entity": p, "role": None} for p in parts],
            "organizer": None, "location": location, "time": {"value": time, "text": None}, "modality": "asserted",
            "evidence": [{"start": 0, "end": 10, "text": "They met."}]}


TEXTS = {
    "a1": "Naji Zaheer, a commander of the Crimson Front, met Omar Bashir in Karsan in February 2024.",
    "a2": "Nazi Zahir of the Crimson Front and Omar Bashir held talks in Karsan on February 12, 2024.",
    "a3": "Zuhair, the Crimson Front's commander, spoke alongside Omar Bashir at a Karsan rally in 2024.",
    "b1": "Layla Zaheer, a doctor in Velmont, opened a clinic with the Velmont Health Board.",
}

REPORTS = {
    "a1": lambda a: report(a, [ent(1, "Naji Zaheer"), ent(2, "Crimson Front", "organization"),
                               ent(3, "Omar Bashir"), ent(4, "Karsan", "location")],
                           [ev(1, "meeting", ["E1", "E3"], "2024-02", "E4")],
                           [{"subject": "E1", "predicate": "member_of", "object": "E2", "role": "commander",
                             "modality": "asserted", "evidence": [{"start": 0, "end": 40, "text": "Naji Zaheer, a commander"}]}]),
    "a2": lambda a: report(a, [ent(1, "Nazi Zahir"), ent(2, "Crimson Front", "organization"),
                               ent(3, "Omar Bashir"), ent(4, "Karsan", "location")],
                           [ev(1, "meeting", ["E1", "E3"], "2024-02-12", "E4")],
                           [{"subject": "E1", "predicate": "member_of", "object": "E2", "modality": "reported",
                             "evidence": []}]),
    "a3": lambda a: report(a, [ent(1, "Zuhair"), ent(2, "Crimson Front", "organization"),
                               ent(3, "Omar Bashir"), ent(4, "Karsan", "location")],
                           [ev(1, "meeting", ["E1", "E3"], "2024-06", "E4")]),
    "b1": lambda a: report(a, [ent(1, "Layla Zaheer"), ent(2, "Velmont Health Board", "organization"),
                               ent(3, "Velmont", "location")]),
}


class FakeExtractor:
    def __init__(self, fail_on=()):
        self.calls = 0
        self.fail_on = set(fail_on)

    def __call__(self, stream):
        for art in stream:
            if isinstance(art, Failure):
                yield art
                continue
            self.calls += 1
            if art.id in self.fail_on:
                yield Failure(source=art.source, reason="extractor choked", code="E_EXTRACT")
                continue
            yield REPORTS[art.id[:2]](art)


def arts(*ids, suffix=""):
    return [article(i, TEXTS[i[:2]] + suffix) for i in ids]


def kb_of(engine, doc, local):
    for r in iter_reports(engine):
        if r["document"]["id"] == doc:
            return next(e["kb_id"] for e in r["entities"] + r["events"] if e["id"] == local)


def count(engine, table):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


# ---- tests ---------------------------------------------------------------------

def test_migrations_are_named_and_idempotent(db):
    assert migrate(db) == []
    with db.connect() as conn:
        names = list(conn.execute(select(S.migrations.c.name).order_by(S.migrations.c.name)).scalars())
    assert names == [name for name, _ in MIGRATIONS]


def test_transliterations_merge_and_namesakes_stay_apart(db):
    summary = ingest_articles(arts("a1", "a2", "a3", "b1"), db=db, extract=FakeExtractor())
    assert summary["new"] == 4 and summary["failed"] == 0
    zaheer = kb_of(db, "a1", "E1")
    assert kb_of(db, "a2", "E1") == zaheer
    assert kb_of(db, "a3", "E1") == zaheer          # surname only, linked by shared context
    assert kb_of(db, "b1", "E1") != zaheer          # another Zaheer, other context
    assert kb_of(db, "a1", "E2") == kb_of(db, "a2", "E2")


def test_events_merge_with_compatible_times_and_stay_apart_months_later(db):
    ingest_articles(arts("a1", "a2", "a3"), db=db, extract=FakeExtractor())
    feb = kb_of(db, "a1", "V1")
    assert kb_of(db, "a2", "V1") == feb             # 2024-02 and 2024-02-12
    assert kb_of(db, "a3", "V1") != feb             # same leaders, same place, June
    with db.connect() as conn:
        row = conn.execute(select(S.kb_events).where(S.kb_events.c.kb_id == feb)).first()
    assert row.time_value == "2024-02-12" and row.documents == 2 and row.sources == 2


def test_reingest_unchanged_adds_nothing_and_changed_replaces_only_that_document(db):
    extractor = FakeExtractor()
    ingest_articles(arts("a1", "a2"), db=db, extract=extractor)
    before = {t.name: count(db, t) for t in (S.records, S.claims, S.evidence, S.documents)}
    again = ingest_articles(arts("a1", "a2"), db=db, extract=extractor)
    assert again["unchanged"] == 2 and again["new"] == 0 and extractor.calls == 2
    assert {t.name: count(db, t) for t in (S.records, S.claims, S.evidence, S.documents)} == before
    changed = ingest_articles(arts("a2", suffix=" Updated."), db=db, extract=extractor)
    assert changed["changed"] == 1
    assert {t.name: count(db, t) for t in (S.records, S.claims, S.evidence, S.documents)} == before
    with db.connect() as conn:
        hashes = dict(conn.execute(select(S.documents.c.id, S.documents.c.content_hash)).all())
    assert hashes["a2"] == arts("a2", suffix=" Updated.")[0].content_hash


def test_claims_carry_evidence(db):
    ingest_articles(arts("a1"), db=db, extract=FakeExtractor())
    with db.connect() as conn:
        rel = conn.execute(select(S.claims).where(S.claims.c.kind == "relation")).one()
        evidence = conn.execute(select(S.evidence).where(S.evidence.c.claim_id == rel.id)).one()
    assert rel.predicate == "member_of" and rel.role == "commander"
    assert evidence.quote.startswith("Naji Zaheer") and evidence.start == 0 and evidence.extractor


def test_failed_document_is_recorded_and_batch_goes_on(db):
    items = arts("a1") + [Failure(source="bad.pdf", reason="not a PDF", code="E_DECODE")] + arts("a2")
    summary = ingest_articles(items, db=db, extract=FakeExtractor(fail_on={"a2"}))
    assert summary["new"] == 1 and summary["failed"] == 2
    with db.connect() as conn:
        reasons = dict(conn.execute(select(S.failures.c.source, S.failures.c.reason)).all())
    assert reasons == {"bad.pdf": "not a PDF", "a2.txt": "extractor choked"}


def test_killed_ingest_leaves_store_consistent_and_rerun_finishes(db):
    class Killed(Exception):
        pass

    def dying(stream):
        for i, art in enumerate(stream):
            if i == 2:
                raise Killed
            yield REPORTS[art.id[:2]](art)

    with pytest.raises(Killed):
        ingest_articles(arts("a1", "a2", "a3"), db=db, extract=dying)
    with db.connect() as conn:
        statuses = list(conn.execute(select(S.documents.c.status)).scalars())
    assert statuses == ["done", "done"]
    summary = ingest_articles(arts("a1", "a2", "a3"), db=db, extract=FakeExtractor())
    assert summary["unchanged"] == 2 and summary["new"] == 1
    assert kb_of(db, "a3", "E1") == kb_of(db, "a1", "E1")


def test_merge_and_split_are_reversible_and_survive_reingest(db):
    ingest_articles(arts("a1", "a2", "b1"), db=db, extract=FakeExtractor())
    naji, layla = kb_of(db, "a1", "E1"), kb_of(db, "b1", "E1")
    out = merge(naji, layla, db=db)
    assert kb_of(db, "a1", "E1") == kb_of(db, "b1", "E1")
    ingest_articles(arts("a3"), db=db, extract=FakeExtractor())   # re-resolution keeps the analyst's call
    assert kb_of(db, "a1", "E1") == kb_of(db, "b1", "E1")
    undo(out["judgement"], db=db)
    assert kb_of(db, "a1", "E1") != kb_of(db, "b1", "E1")
    with db.connect() as conn:
        a1 = conn.execute(select(S.records.c.id).where(S.records.c.document_id == "a1", S.records.c.local_id == "E1")).scalar()
        a2 = conn.execute(select(S.records.c.id).where(S.records.c.document_id == "a2", S.records.c.local_id == "E1")).scalar()
    split(a1, a2, db=db)
    assert kb_of(db, "a1", "E1") != kb_of(db, "a2", "E1")
    ingest_articles(arts("a2", suffix=" Again."), db=db, extract=FakeExtractor())
    assert kb_of(db, "a1", "E1") != kb_of(db, "a2", "E1")


def test_syndicated_copy_counts_once(db):
    wire = ("The wire service reported that Naji Zaheer of the Crimson Front met Omar Bashir in Karsan "
            "in February 2024, according to three officials who spoke on condition of anonymity, and that "
            "the two men discussed supplies, money and a truce along the northern road for several hours")
    copies = [article("a1", wire), article("a1-copy", wire + " Local desk adds nothing.", outlet="Reprint Daily")]

    def extract(stream):
        for art in stream:
            yield REPORTS["a1"](art)
    ingest_articles(copies, db=db, extract=extract)
    with db.connect() as conn:
        syn = dict(conn.execute(select(S.documents.c.id, S.documents.c.syndicated_of)).all())
        row = conn.execute(select(S.kb_events)).first()
    assert syn == {"a1": None, "a1-copy": "a1"}
    assert row.documents == 2 and row.sources == 1


def test_reports_out_carry_kb_ids_and_show_lists_sources(db):
    ingest_articles(arts("a1", "a2"), db=db, extract=FakeExtractor())
    reports = list(iter_reports(db))
    assert [r["document"]["id"] for r in reports] == ["a1", "a2"]
    assert all(e["kb_id"] for r in reports for e in r["entities"] + r["events"])
    info = show_entity(db, "Nazi Zahir")
    assert "Naji Zaheer" in [info["name"], *info["aliases"]]
    assert info["relations"][0]["predicate"] == "member_of"
    assert info["events"][0]["sources"] == ["a1", "a2"]
    assert [e["name"] for e in list_entities(db, type="organization", search="crimson")] == ["Crimson Front"]


def test_watchlist_import_marks_entities(db, tmp_path):
    import json
    from linkwatch.kb import import_watchlist
    path = tmp_path / "sanctions.json"
    path.write_text(json.dumps({"id": "os-1", "schema": "Organization",
                                "properties": {"name": ["Crimson Front"], "alias": ["Jabhat al-Qirmiz"]}}) + "\n")
    ingest_articles(arts("a1"), db=db, extract=FakeExtractor())
    assert import_watchlist(str(path), db=db)["entities"] == 1
    info = show_entity(db, "Crimson Front")
    assert info["watchlisted"] and info["watchlists"][0]["list"] == "sanctions"
    assert any(e.get("watchlists") for r in iter_reports(db) for e in r["entities"])


def test_unreachable_database_is_a_clear_error():
    with pytest.raises(StoreError, match="cannot open database"):
        connect("postgresql://nobody@127.0.0.1:1/none")


def test_read_only_file_is_a_clear_error_and_untouched(tmp_path):
    path = tmp_path / "ro.db"
    engine = connect(str(path))
    ingest_articles(arts("a1"), db=engine, extract=FakeExtractor())
    engine.dispose()
    before = path.read_bytes()
    path.chmod(stat.S_IRUSR)
    if os.access(path, os.W_OK):  # root ignores file modes
        pytest.skip("running as root: file modes do not stop writes")
    with pytest.raises(StoreError):
        ingest_articles(arts("a2"), db=connect(str(path)), extract=FakeExtractor())
    assert path.read_bytes() == before
