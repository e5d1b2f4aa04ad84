"""The analysis aggregates (``store.edges``) against a recomputation from claims.

The oracle is the claim-level path analysis keeps as its fallback
(``ties_around``, ``Filters``, the timeline's own-event query, the ``new``
history check), run with the aggregates switched off inside a rolled-back
transaction. After every change of identity (ingest, merge, undo, split,
re-ingest of a changed document) the aggregates must equal it, and every
question must answer the same from either.
"""
from __future__ import annotations

import datetime as dt
import json
from contextlib import contextmanager
from itertools import combinations

from hypothesis import given, strategies as st
from sqlalchemy import create_engine, delete, func, select

from linkwatch.analysis import Filters, aggregate
from linkwatch.analysis.dates import period, sort_key
from linkwatch.analysis.links import links
from linkwatch.analysis.neighbourhood import Neighbourhood, summarise, weight
from linkwatch.analysis.network import network
from linkwatch.analysis.newlinks import _History, _kb_pairs, PRESENT, new_links
from linkwatch.analysis.source import keep_node, ties_around
from linkwatch.analysis.timeline import _own_events, timeline
from linkwatch.kb import ingest_articles, merge, split, undo
from linkwatch.store import resolve_store, schema as S
from linkwatch.store.edges import date_key, generation, is_built, period_start, refresh_edges, touch
from linkwatch.store.increment import update
from linkwatch.store.judge import judge
from linkwatch.store.resolve_new import resolve_new
from linkwatch.store.write import write_report
from linkwatch.store.migrate import migrate

from test_analysis_kb import DOCS, build_kb
from test_store import (REPORTS, FakeExtractor, article, arts, db, ent, ev as event_of, kb_of,  # noqa: F401 (db: fixture)
                        report)


@contextmanager
def from_claims(engine):
    """A connection on which analysis reads claims (the aggregates' marker deleted, then rolled back)."""
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(delete(S.kb_aggregates))
        try:
            yield conn
        finally:
            trans.rollback()


def recomputed(engine) -> dict:
    """The aggregates' content, recomputed by the claim-level path."""
    with from_claims(engine) as conn:
        kinds = dict(conn.execute(select(S.kb_entities.c.kb_id, S.kb_entities.c.type)).all())
        dates = dict(conn.execute(select(S.kb_events.c.kb_id, S.kb_events.c.time_value)).all())
        ingested = {r.id: r.ingested_at.date().isoformat() for r in conn.execute(
            select(S.documents.c.id, S.documents.c.ingested_at))}
        ties = set()
        types: dict = {}
        for tie in ties_around(conn, list(kinds), types=types):
            if not (keep_node(types.get(tie.a)) and keep_node(types.get(tie.b))):
                continue
            tie.date = dates.get(tie.event) if tie.event else None
            kept = Filters().apply(tie, date=tie.date)
            if kept is not None:
                ties.add((kept.kind, kept.event, kept.a if kept.kind != "co_presence" else None,
                          *sorted((kept.a, kept.b)), kept.date, kept.sources, kept.reach,
                          round(kept.confidence, 6), ",".join(kept.modalities),
                          min(ingested[c.document_id] for c in kept.claims)))
        hood = Neighbourhood(conn, use_aggregate=False, hub_threshold=None)
        hood.types.update(kinds)
        hood.expand([k for k, t in kinds.items() if keep_node(t)])
        hood.finish()
        links_ = {}
        for u, v, data in hood.graph.edges(data=True):
            shown = summarise(data["ties"])
            for a, b in ((u, v), (v, u)):
                links_[(a, b)] = (data["count"], data["reach"], round(data["weight"], 6), shown["kinds"],
                                  shown["sources"], shown["first"], shown["last"], shown["events"])
        presence = set()
        for entity in kinds:
            present = {ev for _, ev in _kb_pairs(conn, [entity], kind="entity", side=S.claims.c.object,
                                                 other=S.claims.c.subject, where=PRESENT)}
            for ev, date in _own_events(conn, entity, Filters()).items():
                presence.add((entity, ev, date, ev in present))
        return {"ties": ties, "links": links_, "presence": presence}


def stored(engine) -> dict:
    with engine.connect() as conn:
        assert is_built(conn)
        ties = {(r.kind, r.event, r.subject, r.lo, r.hi, r.date, r.sources, r.claim_sources, round(r.confidence, 6),
                 r.modalities, r.first_ingest) for r in conn.execute(select(S.kb_ties))}
        links_ = {(r.node, r.other): (r.ties, r.claim_sources, round(weight(r.best_sources, r.best_confidence), 6),
                                      r.kinds.split(","), r.sources, r.first, r.last, r.events)
                  for r in conn.execute(select(S.kb_links))}
        presence = {(r.entity, r.event, r.date, bool(r.present)) for r in conn.execute(select(S.kb_presence))}
        return {"ties": ties, "links": links_, "presence": presence}


def check_first_meetings(engine) -> None:
    """``kb_firsts`` says "together before" exactly when the claim-level history check does."""
    with engine.connect() as conn:
        kinds = dict(conn.execute(select(S.kb_entities.c.kb_id, S.kb_entities.c.type)).all())
        starts = sorted({period(d)[0] for d in conn.execute(select(S.kb_events.c.time_value)).scalars()
                         if period(d)})
    for level, wanted in (("all", ("person", "organization")), ("organization", ("organization",))):
        pairs = list(combinations(sorted(k for k, t in kinds.items() if t in wanted), 2))
        days = {s for start in starts for s in (start, (dt.date.fromisoformat(start) + dt.timedelta(days=1)).isoformat())}
        for since in sorted(days) + ["2100-01-01"]:
            with engine.connect() as conn:
                counted = aggregate.met_before(conn, pairs, level=level, start=since)
            with from_claims(engine) as conn:
                history = _History(conn, since, level)
                assert counted == {p for p in pairs if history.together_before(*p)}, (level, since)


def check_answers(engine) -> None:
    """Every question answers the same from the aggregates as from the claims."""
    with engine.connect() as conn:
        nodes = sorted(conn.execute(select(S.kb_entities.c.kb_id).where(
            S.kb_entities.c.type.in_(("person", "organization")))).scalars())
        since = sorted(d for d in conn.execute(select(S.kb_events.c.time_value)).scalars() if d)[:1] or ["2024"]
        everyone = sorted(conn.execute(select(S.kb_entities.c.kb_id)).scalars())

    def answers(conn) -> list:
        out = []
        for x in nodes:
            out += [network(conn, x, depth=2), network(conn, x, depth=1, level="organization")]
            out += [links(conn, x, y, hops=3) for y in nodes if y != x]
        for x in everyone:  # places have timelines too
            out += [timeline(conn, x), timeline(conn, x, limit=1), timeline(conn, x, limit=None),
                    timeline(conn, x, filters=Filters(since=since[0]), limit=2),
                    timeline(conn, x, filters=Filters(until=since[0])),
                    timeline(conn, x, filters=Filters(min_sources=2), limit=1)]
        for level in ("organization", "all"):
            out.append(new_links(conn, since=since[0][:4], level=level))
        out.append(new_links(conn, since="2000", by="ingest"))
        return out

    with engine.connect() as conn:
        assert aggregate.usable(conn, Filters())
        counted = answers(conn)
    with from_claims(engine) as conn:
        assert not aggregate.usable(conn, Filters())
        assert counted == answers(conn)


def check(engine) -> None:
    assert stored(engine) == recomputed(engine)
    check_first_meetings(engine)
    check_answers(engine)


def test_aggregates_follow_ingest_merge_undo_split_and_reingest(db):
    ingest_articles(arts("a1", "a2", "b1"), db=db, extract=FakeExtractor())
    check(db)
    bashir, layla = kb_of(db, "a1", "E3"), kb_of(db, "b1", "E1")
    out = merge(bashir, layla, db=db)
    merged = kb_of(db, "a1", "E3")
    assert merged == kb_of(db, "b1", "E1") == bashir  # the merged cluster keeps the larger side's id ...
    assert {merged} == {t[3] for t in stored(db)["ties"] if t[0] == "co_presence"}  # ... its ties follow
    check(db)
    ingest_articles(arts("a3"), db=db, extract=FakeExtractor())
    check(db)
    undo(out["judgement"], db=db)
    check(db)
    with db.connect() as conn:
        a1, a2 = (conn.execute(select(S.records.c.id).where(S.records.c.document_id == d,
                                                           S.records.c.local_id == "E1")).scalar()
                  for d in ("a1", "a2"))
    before = stored(db)
    split(a1, a2, db=db)
    assert stored(db) != before  # a2's Naji Zahir is apart, with a2's meeting
    check(db)
    before = stored(db)

    def rewritten(stream):  # a2 changed: now it tells of a rally in June, and of no membership
        for art in stream:
            yield REPORTS["a3"](art)
    ingest_articles(arts("a2", suffix=" Corrected."), db=db, extract=rewritten)
    after = stored(db)
    assert after != before
    check(db)


def test_aggregates_of_the_fixture_kb():
    engine = create_engine("sqlite://")
    build_kb(engine)
    with engine.connect() as conn:
        assert not is_built(conn)  # tables written directly: analysis reads claims until a refresh
    counts = refresh_edges(engine)
    assert counts["ties"] and counts["links"] == len(stored(engine)["links"]) and counts["firsts"]
    check(engine)


def test_migration_builds_the_aggregates_of_an_older_store(db):
    ingest_articles(arts("a1", "a2", "b1"), db=db, extract=FakeExtractor())
    expected = stored(db)
    with db.begin() as conn:
        for table in (S.kb_ties, S.kb_links, S.kb_presence, S.kb_firsts, S.kb_timeline, S.kb_timelines,
                      S.kb_aggregates):
            table.drop(conn)
        conn.execute(S.migrations.delete().where(S.migrations.c.name.in_(
            ("0005_edges", "0006_timeline", "0011_timeline_positions"))))
    assert migrate(db) == ["0005_edges", "0006_timeline", "0011_timeline_positions"]
    assert stored(db) == expected
    assert migrate(db) == []


def test_filters_the_aggregates_cannot_answer_read_claims(db):
    ingest_articles(arts("a1", "a2"), db=db, extract=FakeExtractor())
    with db.connect() as conn:
        assert aggregate.usable(conn, Filters()) and aggregate.usable(conn, Filters.parse())
        assert not aggregate.usable(conn, Filters(min_confidence=0.5))
        assert not aggregate.usable(conn, Filters.parse(modality="asserted"))
        assert not aggregate.usable(conn, Filters(since="2024")) and not aggregate.usable(conn, Filters(min_sources=2))
        assert aggregate.usable(conn, Filters(since="2024", min_sources=2), dates=True, sources=True)
        assert Neighbourhood(conn, filters=Filters(min_sources=2)).aggregate is False
        assert Neighbourhood(conn).aggregate is True


@given(st.one_of(st.text(max_size=12), st.from_regex(r"\A\d{4}(-\d{2}(-\d{2})?)?\Z"),
                 st.tuples(st.dates(), st.sampled_from([4, 7, 10])).map(lambda t: t[0].isoformat()[:t[1]])))
def test_store_reads_dates_as_analysis_does(value):
    p = period(value)
    assert period_start(value) == (p[0] if p else None)
    assert date_key(value)[0] == sort_key(value)


def answers_about(engine, conn) -> list:
    """Questions about every entity (the stale-aggregate tests compare them both ways)."""
    nodes = sorted(conn.execute(select(S.kb_entities.c.kb_id).where(
        S.kb_entities.c.type.in_(("person", "organization")))).scalars())
    out = [timeline(conn, x) for x in nodes] + [network(conn, x, depth=2) for x in nodes]
    out += [links(conn, x, y, hops=3) for x in nodes for y in nodes if x < y]
    return out + [new_links(conn, since="2000", level="all")]


def test_resolution_without_refresh_reads_claims(db):
    """A resolution not followed by ``refresh_edges`` (a crash between them, ``resolve_store`` called
    alone) leaves the aggregates stale: questions read the claims until the next refresh."""
    ingest_articles(arts("a1", "a2", "b1"), db=db, extract=FakeExtractor())
    bashir, layla = kb_of(db, "a1", "E3"), kb_of(db, "b1", "E1")
    with db.connect() as conn:
        assert aggregate.usable(conn, Filters())
        before = answers_about(db, conn)
    judge(db, bashir, layla, "same")
    resolve_store(db)  # and no refresh_edges
    with db.connect() as conn:
        assert not is_built(conn) and not aggregate.usable(conn, Filters())
        stale = answers_about(db, conn)
    with from_claims(db) as conn:
        assert stale == answers_about(db, conn)
    assert stale != before  # the merge shows
    refresh_edges(db)
    with db.connect() as conn:
        assert aggregate.usable(conn, Filters()) and answers_about(db, conn) == stale
    check(db)


def test_every_write_of_claims_or_clusters_makes_a_new_generation(db):
    """``store.edges.touch`` is called where claims (``store.write``) and clusters (``resolve_store``)
    are written; without it a stale aggregate would be read as current."""
    ingest_articles(arts("a1", "a2"), db=db, extract=FakeExtractor())
    with db.connect() as conn:
        built = generation(conn)
        assert built is not None and is_built(conn)
    with db.begin() as conn:
        write_report(conn, REPORTS["b1"](arts("b1")[0]))
    with db.connect() as conn:
        written = generation(conn)
        assert written != built and not is_built(conn)
    refresh_edges(db)
    with db.connect() as conn:
        assert is_built(conn) and generation(conn) == written
    resolve_store(db)
    with db.connect() as conn:
        assert generation(conn) != written and not is_built(conn)


def tables(engine) -> dict:
    """Every aggregate row (for comparing an incremental refresh with a rebuild)."""
    with engine.connect() as conn:
        return {t.name: sorted(tuple(json.dumps(v, sort_keys=True) if isinstance(v, (list, dict)) else v
                                     for v in r) for r in conn.execute(select(t)))
                for t in (S.kb_ties, S.kb_links, S.kb_presence, S.kb_firsts, S.kb_timelines, S.kb_seen)}


def recounted(engine) -> int | None:
    with engine.connect() as conn:
        counts = conn.execute(select(S.kb_aggregates.c.counts).where(S.kb_aggregates.c.name == "edges")).scalar()
    return counts.get("recounted_events")


def later(month: str, kind: str):
    """A later report: Omar Bashir with the Crimson Front (and Layla Zaheer) at a new event in Karsan."""
    def extract(stream):
        for art in stream:
            yield report(art, [ent(1, "Omar Bashir"), ent(2, "Crimson Front", "organization"),
                               ent(3, "Karsan", "location"), ent(4, "Layla Zaheer")],
                         [event_of(1, kind, ["E1", "E2", "E4"], month, "E3")])
    return extract


def test_the_refresh_after_each_ingest_equals_a_rebuild(db):
    ingest_articles(arts("a1", "a2"), db=db, extract=FakeExtractor())
    assert recounted(db) is None  # the first count is a rebuild
    used = []
    steps = [(arts("b1"), FakeExtractor())] + [(arts("a1", suffix=f" Later {i}."), later(month, kind))
                                             for i, (month, kind) in enumerate([("2024-09", "gathering"),
                                                                                ("2023-05", "meeting"),
                                                                                ("2024-11-02", "attack")])]
    for docs, extract in steps:
        ingest_articles(docs, db=db, extract=extract)
        used.append(recounted(db))
        incremental = tables(db)
        refresh_edges(db, incremental=False)
        assert tables(db) == incremental, used
        check(db)
    assert used[0] == 0  # b1 reports no event: counted incrementally (the others move kb ids: rebuilt)


def test_an_earlier_meeting_in_a_new_document_moves_the_first_meeting_incrementally(db):
    ingest_articles(arts("a1", "a2"), db=db, extract=FakeExtractor())

    def earlier(stream):  # the two met years before (document c10: its records leave every kb id as it was)
        for art in stream:
            yield report(art, [ent(1, "Naji Zaheer"), ent(3, "Omar Bashir")],
                         [event_of(1, "gathering", ["E1", "E3"], "2019-06")])
    ingest_articles([article("c10", "Years before, Naji Zaheer met Omar Bashir.")], db=db, extract=earlier)
    assert recounted(db) == 1  # counted incrementally
    with db.connect() as conn:
        assert set(conn.execute(select(S.kb_firsts.c.level, S.kb_firsts.c.start)).all()) == {("all", "2019-06-01")}
    incremental = tables(db)
    refresh_edges(db, incremental=False)
    assert tables(db) == incremental
    check(db)


def test_a_replaced_document_is_rebuilt(db):
    ingest_articles(arts("a1", "a2", "a3"), db=db, extract=FakeExtractor())

    def rewritten(stream):
        for art in stream:
            yield REPORTS["b1"](art)
    ingest_articles(arts("a2", suffix=" Corrected."), db=db, extract=rewritten)
    assert recounted(db) is None
    check(db)


def test_a_new_document_counted_incrementally_equals_a_rebuild():
    """The fixture KB without one document, counted; then that document's rows as ingest would write
    them (the kb ids unchanged): the refresh (incremental when the change allows) equals a rebuild, and
    answers as the claims do."""
    used = [_add_one_document(new) for new in range(len(DOCS))]
    assert sum(used) >= 2, used  # a new membership of a known person, a redated event: rebuilt


def _add_one_document(new: int) -> bool:
    engine, full = create_engine("sqlite://"), create_engine("sqlite://")
    build_kb(engine, docs=[d for i, d in enumerate(DOCS) if i != new])
    build_kb(full)
    refresh_edges(engine)
    with full.connect() as src, engine.begin() as dst:
        for table in (S.documents, S.records, S.events, S.claims, S.evidence, S.clusters):
            key = list(table.primary_key.columns)[0]
            have = set(dst.execute(select(key)).scalars())
            rows = [dict(r._mapping) for r in src.execute(select(table)) if r._mapping[key.name] not in have]
            if rows:
                dst.execute(table.insert(), rows)
        for table in (S.kb_entities, S.kb_events):
            dst.execute(delete(table))
            dst.execute(table.insert(), [dict(r._mapping) for r in src.execute(select(table))])
        touch(dst)
    refresh_edges(engine)
    incremental = tables(engine)
    counted = recounted(engine) is not None
    refresh_edges(engine, incremental=False)
    assert tables(engine) == incremental, new
    check(engine)
    return counted


PEOPLE = [f"{g} {f}" for g in ("Naji", "Omar", "Karim", "Tariq") for f in ("Zaheer", "Bashir", "Qadri", "Haddad")]
GROUPS = ["Crimson Front", "Northern Brigade", "Army of the Dawn"]
PLACES = ["Karsan", "Velmont", "Dariya", "Qamra"]


def meetings(stream):
    """Report ``m<i>``: two of PEOPLE meet at a place in a month of 2024, the first a member of a group;
    ``n<i>``: two people new to the store do so."""
    for art in stream:
        i = int(art.id[1:])
        a, b = (PEOPLE[i % 16], PEOPLE[(i * 7 + 3) % 16]) if art.id[0] == "m" else art.text.split(" and ")
        yield report(art, [ent(1, a), ent(2, GROUPS[i % 3], "organization"), ent(3, b),
                           ent(4, PLACES[i % 4], "location")],
                     [event_of(1, "meeting", ["E1", "E3"], f"2024-{i % 9 + 1:02d}", "E4")],
                     [{"subject": "E1", "predicate": "member_of", "object": "E2", "modality": "asserted",
                       "evidence": []}])


class Counting:
    """A connection that counts the rows its queries return."""

    def __init__(self, conn) -> None:
        self.conn, self.rows = conn, 0

    def __getattr__(self, name):
        return getattr(self.conn, name)

    def execute(self, statement, *args, **kwargs):
        result = self.conn.execute(statement, *args, **kwargs)
        if not result.returns_rows:
            return result
        frozen = result.freeze()
        self.rows += len(frozen.data)
        return frozen()


def test_an_update_reads_what_new_documents_touch_not_the_store(db):
    """After one new document, ``update`` reads as many rows from a store of 80 documents as from one
    of 20 (give or take the bisection of longer timelines), and counts what a rebuild counts."""
    fetched, stored_rows = [], []
    for start, end, newcomers in ((0, 20, "Ilyas Abbasi and Mahmoud Barakat"),
                                  (20, 80, "Nabil Kanaan and Qasim Maalouf")):
        ingest_articles([article(f"m{i}", f"Meeting {i}.") for i in range(start, end)], db=db, extract=meetings)
        ingest_articles([article(f"n{end}", newcomers)], db=db, extract=meetings, resolve=False)
        if resolve_new(db) is None:
            resolve_store(db)
        with db.begin() as conn:
            counting = Counting(conn)
            assert update(counting) is not None
            stored_rows.append(sum(conn.execute(select(func.count()).select_from(table)).scalar()
                                   for table in (S.clusters, S.kb_seen, S.kb_timelines, S.claims)))
        fetched.append(counting.rows)
        incremental = tables(db)
        refresh_edges(db, incremental=False)
        assert tables(db) == incremental
    assert stored_rows[1] > 3 * stored_rows[0]
    assert fetched[1] <= fetched[0] + 16, fetched


SURNAMED = [f"{g} {f}" for f in ("Zaheer", "Bashir", "Qadri") for g in ("Naji", "Omar", "Karim", "Tariq")]


KUNYA = {"Naji Zaheer": "Abu Hamza", "Omar Bashir": "Abu Khalid", "Karim Qadri": "Abu Yahya"}


def named_by_surname(stream):
    """Report ``s<i>``: a member of a group (named by their surname too, as a report's second mention
    does) meets another person at a place; every other report, the group also holds a rally. From
    ``s8`` on, the Zaheers are spelt Zahir (their most frequent name changes); some reports know the
    other man only by his kunya, until a report gives a man's name and kunya together (the two stored
    clusters merge); people join further groups."""
    for art in stream:
        i = int(art.id[1:])
        a, b = SURNAMED[i % 12], SURNAMED[(i * 7 + 5) % 12]
        aliases = [a.split()[1]] + ([KUNYA[a]] if i % 8 == 6 and a in KUNYA else [])
        if i % 4 == 1:
            b = KUNYA.get(b, b)
        if i >= 8:
            a, b = a.replace("Zaheer", "Zahir"), b.replace("Zaheer", "Zahir")
        events = [event_of(1, "meeting", ["E1", "E3"], f"2024-{i % 9 + 1:02d}", "E4")]
        if i % 2 == 0:
            events.append(event_of(2, "rally", ["E2"], f"2024-{i % 7 + 1:02d}-1{i % 10}", "E4"))
        yield report(art, [ent(1, a, aliases=aliases), ent(2, GROUPS[(i // 3) % 3], "organization"),
                           ent(3, b), ent(4, PLACES[i % 4], "location")], events,
                     [{"subject": "E1", "predicate": "member_of", "object": "E2", "modality": "asserted",
                       "evidence": []}])


def test_renames_new_memberships_and_merges_are_recounted_as_a_rebuild_counts(db):
    """Ingests of a few reports each, resolved incrementally: entities renamed, people joining further
    groups, stored clusters merged; each refresh recounts (no rebuild) and equals a rebuild."""
    handled = {"renamed": 0, "joined": 0, "merged": 0}
    for start in range(0, 48, 8):
        ingest_articles([article(f"s{i}", f"Report {i}.") for i in range(start, start + 8)], db=db,
                        extract=named_by_surname)
        with db.connect() as conn:
            counts = conn.execute(select(S.kb_aggregates.c.counts).where(S.kb_aggregates.c.name == "edges")).scalar()
        if start:
            assert "recounted_events" in counts, start
            for case in handled:
                handled[case] += counts[case]
        incremental = tables(db)
        refresh_edges(db, incremental=False)
        assert tables(db) == incremental, start
    assert all(handled.values()), handled
    with db.connect() as conn:  # people are on timelines through their groups ("via" rows)
        assert any(r["via"] for r in conn.execute(select(S.kb_timelines.c.record)).scalars())


def test_a_redated_event_moves_first_meetings_incrementally_as_a_rebuild_does(db):
    """A meeting first told as "February" is later told as February 25: the pair's (and their groups')
    first meeting moves to another meeting, on February 20. The refresh recounts, and equals a rebuild."""
    def told(stream):
        for art in stream:
            meetings = ([event_of(1, "meeting", ["E1", "E3"], "2024-02", "E5"),
                         event_of(2, "meeting", ["E1", "E3"], "2024-02-20", "E6")] if art.id == "r1"
                        else [event_of(1, "meeting", ["E1", "E3"], "2024-02-25", "E5")])
            yield report(art, [ent(1, "Naji Zaheer"), ent(2, "Crimson Front", "organization"), ent(3, "Omar Bashir"),
                               ent(4, "Northern Brigade", "organization"), ent(5, "Karsan", "location"),
                               ent(6, "Velmont", "location")], meetings,
                         [{"subject": s, "predicate": "member_of", "object": o, "modality": "asserted",
                           "evidence": []} for s, o in (("E1", "E2"), ("E3", "E4"))])

    ingest_articles([article("r1", "First report.")], db=db, extract=told)
    with db.connect() as conn:
        before = {r.level: (r.start, r.event) for r in conn.execute(select(S.kb_firsts))}
    ingest_articles([article("r2", "Second report.", outlet="Other Post")], db=db, extract=told)
    with db.connect() as conn:
        counts = conn.execute(select(S.kb_aggregates.c.counts).where(S.kb_aggregates.c.name == "edges")).scalar()
        after = {r.level: (r.start, r.event) for r in conn.execute(select(S.kb_firsts))}
    assert "recounted_events" in counts   # no rebuild
    assert before["all"][0] == before["organization"][0] == "2024-02-01"
    assert after["all"][0] == after["organization"][0] == "2024-02-20" and after["all"][1] != before["all"][1]
    incremental = tables(db)
    refresh_edges(db, incremental=False)
    assert tables(db) == incremental


def test_a_timeline_position_orders_as_its_key():
    """Stored positions (bytes, compared by both databases byte by byte) order as the keys do: a prefix
    first, any character after the separator, dated before undated, non-ASCII by code point."""
    from itertools import product

    from linkwatch.store.timelines import order_key, position
    infos = [{"date": d, "type": t, "place": p} for d, t, p in product(
        ["2024", "2024-03", "2024-03-01", "2023-12-31", None], ["meeting", "rally", ""],
        ["Gaza", "Gaza City", "Gazaa", "Zürich", "Zurich", None])]
    keys = [order_key(event, info) for event in ("lw-v1", "lw-v10", "lw-v2") for info in infos]
    assert sorted(keys) == sorted(keys, key=position)
    assert len({position(k) for k in keys}) == len(keys)


def test_a_split_event_is_recounted_as_a_rebuild_counts(db):
    """A kb event loses one of its reports to a new kb id (as when an incremental resolution re-resolves
    the stored events of two entities just merged): the refresh recounts both events and the first
    meetings that were at the split one (no rebuild), and equals a rebuild."""
    from linkwatch.store.items import EVENT_COLUMNS, event_records
    from linkwatch.store.summaries import write_event_summaries

    def twice(stream):  # reports m<2i> and m<2i+1> tell one meeting
        for art in stream:
            i = int(art.id[1:]) // 2
            a, b, c = PEOPLE[i % 16], PEOPLE[(i * 7 + 3) % 16], PEOPLE[(i * 5 + 1) % 16]
            people = [ent(1, a), ent(3, b)] + ([ent(5, c)] if int(art.id[1:]) % 2 else [])
            yield report(art, people + [ent(2, GROUPS[i % 3], "organization"), ent(4, PLACES[i % 4], "location")],
                         [event_of(1, "meeting", ["E1", "E3", "E5"][:len(people)], f"2024-{i % 9 + 1:02d}", "E4")],
                         [{"subject": "E1", "predicate": "member_of", "object": "E2", "modality": "asserted",
                           "evidence": []}])

    ingest_articles([article(f"m{i}", f"Meeting {i}.") for i in range(40)], db=db, extract=twice)
    k, f = S.clusters, S.kb_firsts
    with db.begin() as conn:
        sizes = dict(conn.execute(select(k.c.kb_id, func.count()).where(k.c.kind == "event")
                                  .group_by(k.c.kb_id)).all())
        at_firsts = set(conn.execute(select(f.c.event)).scalars())
        parted = min(kb for kb, n in sizes.items() if n >= 2 and kb in at_firsts)
        items = sorted(conn.execute(select(k.c.item_id).where(k.c.kb_id == parted)).scalars())
        conn.execute(k.update().where(k.c.item_id == items[-1]).values(kb_id="lw-v-split-off"))
        rows = conn.execute(select(*EVENT_COLUMNS).where(S.events.c.id.in_(items))).all()
        records = {r.id: r for r in event_records(conn, rows)}
        write_event_summaries(conn, {parted: [records[i] for i in items[:-1]],
                                     "lw-v-split-off": [records[items[-1]]]})
        touch(conn)
    counts = refresh_edges(db)
    assert counts.get("split") == 1 and "recounted_events" in counts, counts
    incremental = tables(db)
    refresh_edges(db, incremental=False)
    assert tables(db) == incremental
