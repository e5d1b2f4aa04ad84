"""Incremental resolution (``store.resolve_new``): new documents against the stored clusters.

Run on SQLite and (with LINKWATCH_TEST_PG) PostgreSQL. The invented reports
below cover what identity rests on: spelling variants, a surname with
context, namesakes kept apart, an organisation known by two names until a
third report gives both (two stored clusters merged through a new record), a
reference anchor, a meeting told by several reports, and the same leaders
meeting again months later.
"""
from __future__ import annotations

import os
from collections import defaultdict

import pytest
from sqlalchemy import select

from linkwatch.kb import ingest_articles, merge, split
from linkwatch.model.records import Article
from linkwatch.store import connect, resolve_store, schema as S
from linkwatch.store import items as store_items
from linkwatch.store.migrate import migrate
from linkwatch.store.resolve_new import READY, resolve_new


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    if request.param == "sqlite":
        engine = connect(str(tmp_path / "kb.db"))
    else:
        url = os.environ.get("LINKWATCH_TEST_PG")
        if not url:
            if os.environ.get("CI"):
                pytest.fail("CI=true but LINKWATCH_TEST_PG is not set: run scripts/postgres.sh start and export it")
            pytest.skip("LINKWATCH_TEST_PG not set")
        engine = connect(url, migrate=False)
        with engine.begin() as conn:
            S.metadata.drop_all(conn)
        migrate(engine)
    yield engine
    engine.dispose()


def ent(i, name, type_="person", aliases=(), **kw):
    return {"id": f"E{i}", "name": name, "type": type_, "aliases": list(aliases), "mentions": [], **kw}


def ev(i, type_, parts, time=None, location=None):
    return {"id": f"V{i}", "type": type_, "participants": [{"entity": p, "role": None} for p in parts],
            "organizer": None, "location": location, "time": {"value": time, "text": None}, "modality": "asserted",
            "evidence": [{"start": 0, "end": 10, "text": "They met."}]}


def member(subject, obj):
    return {"subject": subject, "predicate": "member_of", "object": obj, "modality": "asserted",
            "evidence": [{"start": 0, "end": 10, "text": "a commander"}]}


DAWN = "Army of the Dawn"
REPORTS = {
    "d01": ([ent(1, "Naji Zaheer"), ent(2, "Crimson Front", "organization"), ent(3, "Omar Bashir"),
             ent(4, "Karsan", "location")], [ev(1, "meeting", ["E1", "E3"], "2024-02", "E4")], [member("E1", "E2")]),
    "d02": ([ent(1, "Nazi Zahir"), ent(2, "Crimson Front", "organization"), ent(3, "Omar Bashir"),
             ent(4, "Karsan", "location")], [ev(1, "meeting", ["E1", "E3"], "2024-02-12", "E4")], [member("E1", "E2")]),
    "d03": ([ent(1, DAWN, "organization"), ent(2, "Tariq Mansour"), ent(3, "Velmont", "location")],
            [ev(1, "attack", ["E1"], "2023-05-04", "E3")], [member("E2", "E1")]),
    "d04": ([ent(1, "Jaish al-Fajr", "organization"), ent(2, "Idris Nouri"), ent(3, "Velmont", "location")],
            [ev(1, "attack", ["E1"], "2023-05-04", "E3")], [member("E2", "E1")]),
    "d05": ([ent(1, "Layla Zaheer"), ent(2, "Velmont Health Board", "organization"), ent(3, "Velmont", "location")],
            [], []),
    "d06": ([ent(1, DAWN, "organization", aliases=["Jaish al-Fajr"]), ent(2, "Tariq Mansour"),
             ent(3, "Idris Nouri")], [], [member("E2", "E1"), member("E3", "E1")]),
    "d07": ([ent(1, "Zuhair"), ent(2, "Crimson Front", "organization"), ent(3, "Omar Bashir"),
             ent(4, "Karsan", "location")], [ev(1, "meeting", ["E1", "E3"], "2024-09", "E4")], [member("E1", "E2")]),
    "d08": ([ent(1, "Naji Zaheer"), ent(2, "Omar Bashir"), ent(3, "Hamas", "organization", ref_id="hamas")],
            [ev(1, "meeting", ["E1", "E2"], "2024-09-03")], []),
    "d09": ([ent(1, "Hamas", "organization", ref_id="hamas"), ent(2, "Harakat al-Muqawama", "organization",
                                                                  ref_id="hamas")], [], []),
    # namesakes: each report calls its man by his surname too, and a third report only by the surname
    "d10": ([ent(1, "Yusuf Jaber", aliases=["Jaber"]), ent(2, "Crimson Front", "organization")], [],
            [member("E1", "E2")]),
    "d11": ([ent(1, "Omar Jaber", aliases=["Jaber"]), ent(2, "Crimson Front", "organization")], [],
            [member("E1", "E2")]),
    "d12": ([ent(1, "Jaber"), ent(2, "Crimson Front", "organization")], [], [member("E1", "E2")]),
}


def report(doc_id: str) -> dict:
    entities, events, relations = REPORTS[doc_id]
    return {"document": {"id": doc_id, "title": doc_id, "published": "2024-10-01", "outlet": f"outlet-{doc_id}"},
            "entities": entities, "events": events, "relations": relations}


def extract(stream):
    for art in stream:
        yield report(str(art.id))


def ingest(engine, *doc_ids, isolate=None) -> dict:
    articles = [Article(id=d, text=f"An invented report {d}.", source=f"{d}.txt", published="2024-10-01")
                for d in doc_ids]
    return ingest_articles(articles, db=engine, extract=extract, isolate=isolate)


def partition(engine) -> dict[str, set]:
    """Kind → the clusters as sets of items (ids aside)."""
    groups: dict[tuple, set] = defaultdict(set)
    with engine.connect() as conn:
        for item, kind, kb in conn.execute(select(S.clusters.c.item_id, S.clusters.c.kind, S.clusters.c.kb_id)):
            groups[(kind, kb)].add(item)
    out: dict[str, set] = defaultdict(set)
    for (kind, _), items in groups.items():
        out[kind].add(frozenset(items))
    return dict(out)


def kb_ids(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(S.clusters.c.item_id, S.clusters.c.kb_id)).all())


def summaries(engine) -> tuple[set, set]:
    with engine.connect() as conn:
        entities = {tuple(r) for r in conn.execute(select(S.kb_entities.c.kb_id, S.kb_entities.c.name,
                                                          S.kb_entities.c.documents, S.kb_entities.c.sources))}
        events = {tuple(r) for r in conn.execute(select(S.kb_events.c.kb_id, S.kb_events.c.time_value,
                                                        S.kb_events.c.documents, S.kb_events.c.location_kb))}
    return entities, events


def test_one_document_an_ingest_resolves_as_all_at_once(db, tmp_path):
    every = sorted(REPORTS)
    whole = connect(str(tmp_path / "whole.db"))
    assert ingest(whole, *every)["resolution"] == "whole store"
    for doc_id in every:
        out = ingest(db, doc_id)
        assert out["resolution"] == ("whole store" if doc_id == every[0] else "incremental")
    assert partition(db) == partition(whole)
    # the two names of one organisation: two stored clusters until d06 gave both, then one
    with db.connect() as conn:
        names = {r.name: r for r in conn.execute(select(S.kb_entities))}
    assert "Jaish al-Fajr" in names[DAWN].aliases and names[DAWN].documents == 3
    assert "Layla Zaheer" in names and names["Naji Zaheer"].documents == 4   # d01, d02, d07 (Zuhair), d08; his namesake apart
    assert names["Hamas"].kb_id == "hamas"  # the reference anchor is the kb id
    assert "Yusuf Jaber" in names and "Omar Jaber" in names  # namesakes apart, whatever "Jaber" joined
    # the summaries the incremental steps wrote are those of the all-at-once ingest (ids aside)
    entities, events = summaries(db)
    whole_entities, whole_events = summaries(whole)
    assert {e[1:] for e in entities} == {e[1:] for e in whole_entities}
    assert {e[1:3] for e in events} == {e[1:3] for e in whole_events}


def test_incremental_summaries_equal_a_whole_store_pass(db):
    ingest(db, "d01", "d03", "d04")
    ingest(db, "d02", "d06")
    ingest(db, "d07", "d08", "d09")
    before = summaries(db), kb_ids(db)
    resolve_store(db)   # the whole store again: same clusters, same ids, same summaries
    assert (summaries(db), kb_ids(db)) == before


def test_kb_ids_stay_put_across_a_whole_store_pass(db):
    ingest(db, "d01", "d05")
    ids = kb_ids(db)
    ingest(db, "d02")  # joins Naji Zaheer's cluster incrementally: his kb id is kept
    later = kb_ids(db)
    assert all(later[item] == kb for item, kb in ids.items())
    resolve_store(db)
    assert kb_ids(db) == later


def org_kb(engine, document_id: str) -> str:
    """The kb id of a fixture document's E1 (its organisation)."""
    with engine.connect() as conn:
        return conn.execute(select(S.clusters.c.kb_id).select_from(
            S.clusters.join(S.records, S.records.c.id == S.clusters.c.item_id))
            .where(S.records.c.document_id == document_id, S.records.c.local_id == "E1")).scalar()


def test_an_analyst_split_holds_when_a_new_report_would_bridge(db):
    ingest(db, "d03", "d04")
    dawn, fajr = org_kb(db, "d03"), org_kb(db, "d04")
    split(dawn, fajr, db=db)
    assert ingest(db, "d06")["resolution"] == "incremental"
    assert org_kb(db, "d03") != org_kb(db, "d04")   # still two
    assert org_kb(db, "d06") in (org_kb(db, "d03"), org_kb(db, "d04"))
    merge(dawn, fajr, db=db)
    assert org_kb(db, "d03") == org_kb(db, "d04") == org_kb(db, "d06")


def test_a_new_document_reads_its_neighbourhood_not_the_store(db, monkeypatch):
    filler = {}
    for i in range(40):  # forty unrelated reports
        filler[f"f{i:02d}"] = ([ent(1, f"Person{i} Family{i}"), ent(2, f"Group Number {i}", "organization")],
                               [ev(1, "meeting", ["E1", "E2"], f"20{10 + i % 10}-0{1 + i % 9}")], [])
    monkeypatch.setitem(globals(), "REPORTS", {**REPORTS, **filler})
    ingest(db, *filler)
    read = {"records": 0, "events": 0}
    real_entities, real_events = store_items.entity_records, store_items.event_records

    def entities(conn, rows):
        read["records"] += len(rows)
        return real_entities(conn, rows)

    def events(conn, rows, *known):
        read["events"] += len(rows)
        return real_events(conn, rows, *known)

    from linkwatch.store import resolve_new as module
    monkeypatch.setattr(module, "entity_records", entities)
    monkeypatch.setattr(module, "event_records", events)
    assert ingest(db, "d01", isolate=False)["resolution"] == "incremental"  # counted in this process
    assert read["records"] == 4   # its own four records: no stored name shares a key
    assert read["events"] == 1


def test_a_store_without_blocking_keys_resolves_whole_first(db):
    ingest(db, "d01")
    with db.begin() as conn:
        conn.execute(S.block_keys.delete())
        conn.execute(S.kb_aggregates.delete().where(S.kb_aggregates.c.name == READY))
    assert resolve_new(db) is None
    assert ingest(db, "d02")["resolution"] == "whole store"
    assert ingest(db, "d07")["resolution"] == "incremental"


def test_a_replaced_document_resolves_the_whole_store(db):
    ingest(db, "d01", "d02")
    with db.begin() as conn:  # d02's records go, as when a changed version replaces them
        conn.execute(S.records.delete().where(S.records.c.document_id == "d02"))
    assert resolve_new(db) is None


def test_events_resolved_in_parts_as_all_at_once(db, tmp_path, monkeypatch):
    from linkwatch.store import resolve_new as module
    monkeypatch.setattr(module, "EVENT_CHUNK", 1)  # each document's events a part: the later meet them stored
    every = sorted(REPORTS)
    whole = connect(str(tmp_path / "whole.db"))
    ingest(whole, *every)
    ingest(db, every[0])
    assert ingest(db, *every[1:])["resolution"] == "incremental"
    assert partition(db) == partition(whole)
    assert {e[1:3] for e in summaries(db)[1]} == {e[1:3] for e in summaries(whole)[1]}


def test_candidates_read_a_block_at_a_time_as_all_at_once(db, tmp_path, monkeypatch):
    """A step reads its stored candidates a group of blocks at a time (``GROUP``): with a group of one
    event each block is read and scored alone, and the clusters are those of one read."""
    from linkwatch.store import resolve_new as module
    every = sorted(REPORTS)
    whole = connect(str(tmp_path / "whole.db"))
    ingest(whole, every[0])
    assert ingest(whole, *every[1:])["resolution"] == "incremental"
    groups = []
    real = module._groups

    def small(blocks, budget):
        for keys in real(blocks, 1):
            groups.append(keys)
            yield keys

    monkeypatch.setattr(module, "_groups", small)
    ingest(db, every[0])
    assert ingest(db, *every[1:], isolate=False)["resolution"] == "incremental"
    assert len(groups) > 1  # the blocks were read apart
    assert partition(db) == partition(whole)
    assert {e[1:3] for e in summaries(db)[1]} == {e[1:3] for e in summaries(whole)[1]}


def test_event_blocks_read_together_as_one_at_a_time(db, monkeypatch):
    """On PostgreSQL a step reads its event blocks' first events in one statement (``store.db.first_rows``: a
    lateral join, each block limited); the candidates are those of reading each block alone."""
    from linkwatch.store import resolve_new as module
    ingest(db, "d01", "d02", "d03", "d05", "d06")
    articles = [Article(id=d, text=f"An invented report {d}.", source=f"{d}.txt", published="2024-10-01")
                for d in ("d04", "d07", "d08")]  # meetings of stored people, an attack at a stored place
    ingest_articles(articles, db=db, extract=extract, resolve=False)
    with db.connect() as conn:
        records = module._unclustered(conn, S.records, module.RECORD_COLUMNS)
        module._EntityStep(conn, records).run()
        events = module._unclustered(conn, S.events, module.EVENT_COLUMNS)
        together = module._EventStep(conn, events, {})._candidates()
        monkeypatch.setattr(module, "first_rows", lambda conn, stmt, column, values, limit: {
            value: list(conn.execute(stmt.where(column == value).limit(limit)).scalars()) for value in values})
        alone = module._EventStep(conn, events, {})._candidates()
        conn.rollback()
    assert together == alone and any(together.values())
