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


def test_conflicts_migration_upgrades_an_older_store(db):
    with db.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE kb_events DROP COLUMN conflicts")
        S.signature_bands.drop(conn)
        S.signatures.drop(conn)
        conn.execute(S.migrations.delete().where(S.migrations.c.name == "0003_rewordings_conflicts"))
    assert migrate(db) == ["0003_rewordings_conflicts"]
    ingest_articles(arts("a1", "a2"), db=db, extract=FakeExtractor())
    assert count(db, S.signature_bands) and count(db, S.kb_events)


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


def test_one_document_twice_in_a_stream_keeps_the_later_version(db):
    items = arts("a1", "a2") + arts("a2", suffix=" Updated.") + arts("a3")
    summary = ingest_articles(items, db=db, extract=FakeExtractor())
    assert summary["new"] == 3 and summary["changed"] == 1
    with db.connect() as conn:
        hashes = dict(conn.execute(select(S.documents.c.id, S.documents.c.content_hash)).all())
        per_doc = dict(conn.execute(select(S.records.c.document_id, func.count()).group_by(S.records.c.document_id)).all())
    assert hashes["a2"] == arts("a2", suffix=" Updated.")[0].content_hash
    assert per_doc == {"a1": 4, "a2": 4, "a3": 4}


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


def test_boilerplate_fingerprints_are_capped_and_copies_still_found(db):
    from linkwatch.store.write import POSTING_CAP
    boiler = ("This report was prepared by the regional desk from statements released by officials "
              "and could not be independently verified by our correspondents in the area at the time. ")
    wire = ("The wire service reported that Naji Zaheer of the Crimson Front met Omar Bashir in Karsan "
            "in February 2024, according to three officials who spoke on condition of anonymity.")
    stories = [article(f"b1-{i:03d}", boiler + f"Story {i}: the council of district {i} met on day {i} "
                                              f"to discuss the roads, wells and schools of village number {i}.")
               for i in range(POSTING_CAP + 6)]

    def extract(stream):
        for art in stream:
            yield REPORTS["b1"](art)
    ingest_articles(stories + [article("b1-wire", boiler + wire)], db=db, extract=extract)
    ingest_articles([article("b1-copy", boiler + wire + " Local desk adds nothing.", outlet="Reprint Daily")],
                    db=db, extract=extract)
    with db.connect() as conn:
        widest = conn.execute(select(func.count()).select_from(S.fingerprints)
                              .group_by(S.fingerprints.c.hash).order_by(func.count().desc()).limit(1)).scalar()
        syn = dict(conn.execute(select(S.documents.c.id, S.documents.c.syndicated_of)).all())
    assert widest == POSTING_CAP   # the boilerplate's fingerprints stop at the cap
    assert syn["b1-copy"] == "b1-wire" and syn["b1-wire"] is None


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
    # root ignores file modes: SQLite's read-only open mode binds everyone
    url = f"sqlite:///file:{path}?mode=ro&uri=true" if os.access(path, os.W_OK) else str(path)
    with pytest.raises(StoreError, match="readonly|read-only"):
        ingest_articles(arts("a2"), db=connect(url), extract=FakeExtractor())
    assert path.read_bytes() == before


def _full_disk(engine):
    """Make every new connection of a SQLite engine unable to grow the file (SQLITE_FULL, as on a full disk)."""
    from sqlalchemy import event as sa_event
    engine.dispose()

    @sa_event.listens_for(engine, "connect")
    def _cap(dbapi_conn, _record):
        cur = dbapi_conn.cursor()
        pages = cur.execute("PRAGMA page_count").fetchone()[0]
        cur.execute(f"PRAGMA max_page_count = {pages}")
        cur.close()
    return engine


def test_full_disk_is_a_clear_error_and_stored_documents_stay(tmp_path):
    path = tmp_path / "full.db"
    engine = connect(str(path))
    ingest_articles(arts("a1"), db=engine, extract=FakeExtractor())
    before = list(iter_reports(engine))
    big = [article("a2", TEXTS["a2"], title="A long headline " * 20000)]   # a report bigger than the room left
    with pytest.raises(StoreError, match="full"):
        ingest_articles(big, db=_full_disk(engine), extract=FakeExtractor())
    engine.dispose()
    fresh = connect(str(path))
    assert list(iter_reports(fresh)) == before
    with fresh.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert list(conn.execute(select(S.documents.c.id)).scalars()) == ["a1"]


def test_full_disk_in_the_cli_is_one_error_line(tmp_path, monkeypatch):
    from typer.testing import CliRunner
    import linkwatch.cli.kb as cli_kb
    import linkwatch.pipeline as pipeline
    from linkwatch.cli import app
    path = tmp_path / "full.db"
    engine = connect(str(path))
    ingest_articles(arts("a1"), db=engine, extract=FakeExtractor())
    monkeypatch.setattr(cli_kb, "_engine", lambda db: _full_disk(engine))
    monkeypatch.setattr(pipeline, "extract_articles", lambda stream, jobs=1: FakeExtractor()(stream))
    monkeypatch.setitem(REPORTS, "a2", lambda a: {**REPORTS["a1"](a), "padding": "x" * 400_000})
    doc = tmp_path / "a2.txt"
    doc.write_text(TEXTS["a2"])
    result = CliRunner().invoke(app, ["ingest", str(doc), "--db", str(path)])
    assert result.exit_code != 0 and "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1 and "full" in lines[0] and lines[0].endswith("[E_STORE]")
    engine.dispose()
    assert [r["document"]["id"] for r in iter_reports(connect(str(path)))] == ["a1"]


# ---- conflicting details and reworded copies ---------------------------------

def _meeting_report(art, time, *, outlet_entities=()):
    return report(art, [ent(1, "Naji Zaheer"), ent(2, "Crimson Front", "organization"), ent(3, "Omar Bashir"),
                        ent(4, "Karsan", "location"), *outlet_entities],
                  [ev(1, "meeting", ["E1", "E3"], time, "E4")])


def test_misdated_report_joins_the_event_as_a_conflict(db):
    # one outlet says February, another "weeks before April" (read as March); June is another meeting
    texts = {"m1": "Naji Zaheer of the Crimson Front met Omar Bashir in Karsan in February.",
             "m2": "Weeks before April, Naji Zaheer and Omar Bashir held talks in Karsan.",
             "m3": "In June Naji Zaheer met Omar Bashir again in Karsan."}
    times = {"m1": "2024-02", "m2": "2024-03", "m3": "2024-06"}

    def extract(stream):
        for art in stream:
            yield _meeting_report(art, times[art.id])
    ingest_articles([article(i, t, outlet=f"outlet {i}") for i, t in texts.items()], db=db, extract=extract)
    feb = kb_of(db, "m1", "V1")
    assert kb_of(db, "m2", "V1") == feb and kb_of(db, "m3", "V1") != feb
    with db.connect() as conn:
        row = conn.execute(select(S.kb_events).where(S.kb_events.c.kb_id == feb)).first()
        other = conn.execute(select(S.kb_events).where(S.kb_events.c.kb_id == kb_of(db, "m3", "V1"))).first()
    expected = [{"field": "time", "values": [{"value": "2024-02", "documents": ["m1"]},
                                             {"value": "2024-03", "documents": ["m2"]}]}]
    assert row.conflicts == expected and row.sources == 2 and not other.conflicts
    exported = {r["document"]["id"]: r["events"][0] for r in iter_reports(db)}
    assert exported["m1"]["conflicts"] == expected == exported["m2"]["conflicts"]
    assert exported["m3"]["conflicts"] == []
    info = show_entity(db, "Naji Zaheer")
    assert [e["conflicts"] for e in info["events"] if e["kb_id"] == feb] == [expected]


def test_show_prints_the_conflict_with_its_sources(tmp_path):
    from typer.testing import CliRunner
    from linkwatch.cli import app
    path = tmp_path / "kb.db"
    engine = connect(str(path))
    times = {"m1": "2024-02", "m2": "2024-03"}

    def extract(stream):
        for art in stream:
            yield _meeting_report(art, times[art.id])
    ingest_articles([article("m1", "February talks."), article("m2", "Talks weeks before April.")],
                    db=engine, extract=extract)
    result = CliRunner().invoke(app, ["show", "Naji Zaheer", "--db", str(path)])
    assert result.exit_code == 0, result.output
    assert "conflict: time 2024-02 (m1) / 2024-03 (m2)" in result.output


REWORD_A = ("Gunmen from the Crimson Front attacked a police checkpoint near Karsan on Tuesday, killing four officers "
            "and wounding six others, provincial officials said. The group claimed the assault in a statement posted "
            "online and warned of further attacks on security forces in the province.")
REWORD_B = ("Four police officers were killed and six others wounded on Tuesday when gunmen from the Crimson Front "
            "attacked a checkpoint near Karsan, according to provincial officials. In a statement posted online, the "
            "group claimed responsibility for the assault and warned of more attacks against security forces in the "
            "province.")
OTHER_C = ("A checkpoint outside Karsan came under fire on Tuesday evening. Residents said they heard explosions for "
           "almost an hour before army reinforcements arrived from the north. Hospital staff reported receiving the "
           "bodies of four policemen. The Crimson Front later said its fighters had carried out the raid in revenge "
           "for arrests last month.")


def _attack_report(art):
    return report(art, [ent(1, "Crimson Front", "organization"), ent(2, "Karsan", "location")],
                  [ev(1, "attack", ["E1"], "2024-03-05", "E2")])


def _attack_sources(db, items, extract=None):
    ingest_articles(items, db=db, extract=extract or (lambda stream: (_attack_report(a) for a in stream)))
    with db.connect() as conn:
        syn = dict(conn.execute(select(S.documents.c.id, S.documents.c.syndicated_of)).all())
        event = conn.execute(select(S.kb_events)).one()
    return syn, event


def test_reworded_copy_from_another_outlet_counts_once(db):
    syn, event = _attack_sources(db, [article("r1", REWORD_A, outlet="Wire One"),
                                      article("r2", REWORD_B, outlet="Rewrite Daily")])
    assert syn == {"r1": None, "r2": "r1"}
    assert event.documents == 2 and event.sources == 1


def test_independent_reports_of_one_event_count_twice(db):
    syn, event = _attack_sources(db, [article("r1", REWORD_A, outlet="Wire One"),
                                      article("c1", OTHER_C, outlet="Karsan Courier")])
    assert syn == {"r1": None, "c1": None}
    assert event.documents == 2 and event.sources == 2


def _claims_report(art):
    people = [ent(i, n) for i, n in enumerate(["Naji Zaheer", "Omar Bashir", "Samir Haddad", "Idris Nouri"], 1)]
    return report(art, people + [ent(5, "Crimson Front", "organization"), ent(6, "Karsan", "location")],
                  [ev(1, "meeting", ["E1", "E2", "E3", "E4"], "2024-03-02", "E6")])


def test_same_claims_within_three_days_count_once_later_they_count_again(db):
    texts = ["Short note one on the Karsan talks.", "Brief item two about Karsan.", "A third desk's line."]
    items = [article("k1", texts[0], outlet="Desk A", published="2024-03-03"),
             article("k2", texts[1], outlet="Desk B", published="2024-03-05"),   # two days later: a copy
             article("k3", texts[2], outlet="Desk C", published="2024-03-20")]   # weeks later: its own report
    syn, event = _attack_sources(db, items, extract=lambda stream: (_claims_report(a) for a in stream))
    assert syn == {"k1": None, "k2": "k1", "k3": None}
    assert event.documents == 3 and event.sources == 2
