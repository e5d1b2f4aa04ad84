"""Reading the store's analysis aggregates (``store.edges``): pairs, ties, presences, first meetings.

The aggregates hold what the questions show by default (denials aside, no
filter), counted once when identity changes, so a query reads a few indexed
rows per entity instead of its claims. A question uses them when they are
built and it asks for nothing they cannot answer (:func:`usable`); otherwise
it reads the claims. Ties come back with their counts (``Tie.summary``);
:func:`with_claims` reads the claims of the few that are shown.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import and_, bindparam, func, or_, select

from linkwatch.analysis.filters import Filters
from linkwatch.analysis.source import (Tie, _claim, _claim_query, chunks, items_of, kb_of,
                                       participation_rows_by_event)
from linkwatch.store.edges import is_built
from linkwatch.store.schema import claims, kb_firsts, kb_links, kb_presence, kb_ties, kb_timelines

PAIRS = 200  # pairs per query


def _pairs(table, pairs) -> object:
    """``(lo = ? AND hi = ?) OR ...``: one index probe per pair (SQLite scans for a row-value IN)."""
    return or_(*(and_(table.c.lo == lo, table.c.hi == hi) for lo, hi in pairs))


def usable(conn, filters: Filters | None, *, dates: bool = False, sources: bool = False) -> bool:
    """True when the aggregates are built and can answer under ``filters``.

    They never can with a confidence or modality filter; ``dates`` / ``sources``
    say whether the caller applies a date window / a source minimum itself.
    """
    f = filters or Filters()
    if f.min_confidence or f.modalities or (f.dated and not dates) or (f.min_sources > 1 and not sources):
        return False
    return is_built(conn)


# --- pairs ----------------------------------------------------------------------------------

# the counts a walk needs (the edge's details are read for the edges shown: ``link_details``)
_WALK = (kb_links.c.node, kb_links.c.other, kb_links.c.other_type, kb_links.c.other_documents, kb_links.c.ties,
         kb_links.c.claim_sources, kb_links.c.best_sources, kb_links.c.best_confidence)


def links_of(conn, nodes: Iterable[str]) -> list:
    """``kb_links`` rows (walk columns) of the given entities, one per neighbour."""
    out = []
    for batch in chunks(set(nodes)):
        out.extend(conn.execute(select(*_WALK).where(kb_links.c.node.in_(batch))))
    return out


def strongest_links_of(conn, node: str, limit: int) -> list:
    """The ``limit`` strongest ``kb_links`` rows of one entity: most ties, then most sources."""
    return list(conn.execute(_STRONGEST, {"node": node, "limit": limit}))


_STRONGEST = (select(*_WALK).where(kb_links.c.node == bindparam("node"))
              .order_by(kb_links.c.ties.desc(), kb_links.c.claim_sources.desc(), kb_links.c.other)
              .limit(bindparam("limit")))


def links_between(conn, left: Iterable[str], right: Iterable[str]) -> list:
    """``kb_links`` rows (walk columns) from an entity of ``left`` to one of ``right``."""
    right = sorted(set(right))
    out = []
    for batch in chunks(set(left), 500):
        for other in chunks(right, 500):
            out.extend(conn.execute(select(*_WALK).where(kb_links.c.node.in_(batch), kb_links.c.other.in_(other))))
    return out


def _by_lo(pairs: Iterable[tuple[str, str]]):
    """(lo, a batch of his) for the pairs, each sorted: one cached ``lo = ? AND hi IN (...)`` statement a
    batch (index probes for exactly the wanted pairs; SQLite scans the table for a row-value IN)."""
    by_lo: dict[str, set[str]] = defaultdict(set)
    for p in pairs:
        lo, hi = sorted(p)
        by_lo[lo].add(hi)
    for lo, his in sorted(by_lo.items()):
        for batch in chunks(sorted(his)):
            yield lo, batch


def link_details(conn, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict]:
    """(lo, hi) → what an edge shows: kinds, tie count, best sources, first and last dates, events."""
    out = {}
    for lo, batch in _by_lo(pairs):
        for r in conn.execute(_DETAILS, {"node": lo, "others": batch}):
            out[(lo, r.other)] = {"kinds": r.kinds.split(","), "ties": r.ties, "sources": r.sources,
                                  "first": r.first, "last": r.last, "events": list(r.events or [])}
    return out


_DETAILS = select(kb_links.c.other, kb_links.c.kinds, kb_links.c.ties, kb_links.c.sources, kb_links.c.first,
                  kb_links.c.last, kb_links.c.events).where(
    kb_links.c.node == bindparam("node"), kb_links.c.other.in_(bindparam("others", expanding=True)))


def pair_ties(conn, pairs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[Tie]]:
    """(lo, hi) → the ties between the two (counts only, claims not read; a statement per ``lo``)."""
    out: dict[tuple[str, str], list[Tie]] = defaultdict(list)
    for lo, batch in _by_lo(pairs):
        for r in conn.execute(_TIES_OF_PAIRS, {"lo": lo, "his": batch}):
            out[(r.lo, r.hi)].append(tie_of(r))
    return out


_TIES_OF_PAIRS = select(kb_ties).where(kb_ties.c.lo == bindparam("lo"),
                                       kb_ties.c.hi.in_(bindparam("his", expanding=True)))


def tie_of(row) -> Tie:
    a, b = (row.lo, row.hi) if row.subject is None or row.subject == row.lo else (row.hi, row.lo)
    return Tie(a=a, b=b, kind=row.kind, event=row.event, date=row.date,
               summary={"sources": row.sources, "reach": row.claim_sources, "confidence": row.confidence,
                        "modalities": tuple(m for m in row.modalities.split(",") if m),
                        "first_ingest": row.first_ingest, "claims": row.claims})


def ties_of(conn, nodes: Iterable[str]) -> list[Tie]:
    """Every tie with an end among ``nodes`` (counts only)."""
    seen: dict[tuple, Tie] = {}
    for batch in chunks(set(nodes)):
        for column in (kb_ties.c.lo, kb_ties.c.hi):
            for r in conn.execute(select(kb_ties).where(column.in_(batch))):
                tie = tie_of(r)
                seen.setdefault(tie.key, tie)
    return list(seen.values())


# --- claims behind shown ties ---------------------------------------------------------------

def with_claims(conn, ties: Iterable[Tie]) -> None:
    """Read the claims (and co-presence roles) of aggregate ties, as the claim-level path builds them."""
    todo = [t for t in ties if t.counted]
    default = Filters()
    co = [t for t in todo if t.kind == "co_presence"]
    if co:
        events = {t.event for t in co}
        event_items = items_of(conn, events, kind="event")
        event_items.update({e: e for e in events - set(event_items.values())})  # unclustered: itself
        rows = participation_rows_by_event(conn, event_items)
        who = kb_of(conn, {r.object for r in rows})
        by_event: dict[str, list] = defaultdict(list)
        for r in rows:
            by_event[event_items[r.subject]].append(r)
        for tie in co:
            found = []
            for r in by_event.get(tie.event, ()):
                if who[r.object] in (tie.a, tie.b):
                    claim = _claim(r)
                    claim.about = who[r.object]
                    found.append(claim)
                    tie.roles.setdefault(claim.about, r.role)
            _keep(tie, found, default)
    rel = [t for t in todo if t.kind != "co_presence"]
    rows: dict[str, object] = {}
    for batch in chunks({c for t in rel for c in t.summary["claims"] or ()}):  # a relation's claims, by key
        rows.update((r.id, r) for r in conn.execute(_claim_query(claims.c.id.in_(batch))))
    for tie in rel:
        _keep(tie, [_claim(rows[c]) for c in tie.summary["claims"] or () if c in rows], default)


def _keep(tie: Tie, found: list, filters: Filters) -> None:
    probe = Tie(a=tie.a, b=tie.b, kind=tie.kind, event=tie.event, claims=found, date=tie.date)
    kept = filters.apply(probe, date=tie.date)
    tie.claims = kept.claims if kept is not None else []


# --- timelines -----------------------------------------------------------------------------

def timeline_rows(conn, entity: str, *, filters: Filters, limit: int | None) -> tuple[list, int]:
    """One page of an entity's ``kb_timelines`` rows (timeline order) and how many pass ``filters`` in all.

    Without a date window or a source minimum, one indexed read of the first ``limit`` rows (and a
    count when the page is full); with one, the narrow columns of every row, then the page's rows.
    """
    if not filters.dated and filters.min_sources <= 1:
        stmt = _TIMELINE if limit is None else _TIMELINE.limit(limit)
        rows = list(conn.execute(stmt, {"entity": entity}))
        if limit is None or len(rows) < limit:
            return rows, len(rows)
        return rows, conn.execute(_TIMELINE_COUNT, {"entity": entity}).scalar()
    narrow = conn.execute(select(kb_timelines.c.position, kb_timelines.c.date, kb_timelines.c.sources)
                          .where(kb_timelines.c.entity == entity).order_by(kb_timelines.c.position))
    positions = [r.position for r in narrow if r.sources >= filters.min_sources and filters.keep_date(r.date)]
    page = positions[:limit]
    rows = []
    for batch in chunks(page):
        rows.extend(conn.execute(_TIMELINE.where(kb_timelines.c.position.in_(batch)), {"entity": entity}))
    rows.sort(key=lambda r: r.position)
    return rows, len(positions)


_TIMELINE = (select(kb_timelines.c.position, kb_timelines.c.record, kb_timelines.c.claims)
             .where(kb_timelines.c.entity == bindparam("entity")).order_by(kb_timelines.c.position))
_TIMELINE_COUNT = select(func.count()).select_from(kb_timelines).where(kb_timelines.c.entity == bindparam("entity"))


# --- presences and first meetings -----------------------------------------------------------

def events_of(conn, entity: str) -> dict[str, str | None]:
    """kb event → its date, for every event the entity is named at (participant, organizer, location)."""
    rows = conn.execute(select(kb_presence.c.event, kb_presence.c.date).where(kb_presence.c.entity == entity))
    return {r.event: r.date for r in rows}


def present_at(conn, events: Iterable[str], types: dict[str, str | None] | None = None) -> dict[str, set[str]]:
    """kb event → the entities present (participant or organizer); ``types`` gets their types."""
    out: dict[str, set[str]] = defaultdict(set)
    for batch in chunks(set(events)):
        for r in conn.execute(select(kb_presence.c.event, kb_presence.c.entity, kb_presence.c.type)
                              .where(kb_presence.c.event.in_(batch), kb_presence.c.present.is_(True))):
            out[r.event].add(r.entity)
            if types is not None:
                types[r.entity] = r.type
    return out


def met_before(conn, pairs: Iterable[tuple[str, str]], *, level: str, start: str) -> set[tuple[str, str]]:
    """The pairs (sorted) first together at a dated event starting before ``start``."""
    wanted = sorted({tuple(sorted(p)) for p in pairs})
    out = set()
    for batch in chunks(wanted, PAIRS):
        rows = conn.execute(select(kb_firsts.c.lo, kb_firsts.c.hi)
                            .where(kb_firsts.c.level == level, _pairs(kb_firsts, batch), kb_firsts.c.start < start))
        out.update((r.lo, r.hi) for r in rows)
    return out


def member_orgs(conn, people: Iterable[str]) -> dict[str, set[str]]:
    """person → the organisations the store says they belong to (denials aside)."""
    out: dict[str, set[str]] = defaultdict(set)
    for batch in chunks(set(people)):
        rows = conn.execute(select(kb_ties.c.lo, kb_ties.c.hi, kb_ties.c.subject)
                            .where(kb_ties.c.subject.in_(batch), kb_ties.c.kind == "member_of"))
        for r in rows:
            out[r.subject].add(r.hi if r.subject == r.lo else r.lo)
    return out
