"""Analysis aggregates: the knowledge base's ties, pairs, presences and first meetings, pre-counted.

Brought up to date by :func:`refresh_edges` whenever identity changes (the
end of an ingest, a merge, a split or an undo), in one transaction, so
readers see either the old aggregate or the new one: recounted where a few
new documents touch them (``store.increment``), rebuilt otherwise. The tables
(``store.schema``: ``kb_ties``, ``kb_links``, ``kb_presence``, ``kb_firsts``,
``kb_aggregates``) are views of claims and clusters: dropping and rebuilding
them loses nothing.

What counts as a tie is defined here, once, for the store and for analysis
(``analysis.views`` re-exports it): a relation whose predicate is a hop, or
two entities placed at one kb event as participant or organizer; ends are
people and organisations; a denied claim is no support. The aggregates hold
what analysis shows by default (no filter); analysis reads the claims when
asked for a confidence or modality filter or a date window.
"""
from __future__ import annotations

import logging
import re
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Iterable

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Engine

from linkwatch.store import schema as S
from linkwatch.store.db import among, chunks, insert_tuples, now, rows_in, writing

log = logging.getLogger(__name__)

# static relations that make a hop between two entities (designations do not:
# every group designated by the same state is not thereby linked)
HOP_PREDICATES = ("member_of", "front_of", "offshoot_of", "allied_with")
# participation predicates that put an entity *at* an event (the location does not)
CO_PRESENCE_ROLES = ("participant", "organizer")
# ... and those that tie an entity to an event at all (a place's timeline is its events)
PRESENCE_ROLES = CO_PRESENCE_ROLES + ("location",)
# entity types that are nodes of the link graph (places are attributes of events)
NODE_TYPES = ("person", "organization")
# the predicates a person's organisation is read from (organisation-level views)
MEMBERSHIP_PREDICATES = ("member_of",)
MODALITY_RANK = {"asserted": 3, "reported": 2, "alleged": 1, "denied": 0}

NAME = "edges"  # the kb_aggregates row saying the tables below are built
STORE = "store"  # the kb_aggregates row whose generation changes with every write of claims or clusters
TABLES = (S.kb_ties, S.kb_links, S.kb_presence, S.kb_firsts, S.kb_timelines)

_VALUE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def period_start(value: str | None) -> str | None:
    """The first day of an ISO value at any precision (``2023-11`` → ``2023-11-01``); None for junk.

    The same reading as ``analysis.dates.period`` (tested to agree)."""
    m = _VALUE.match(value.strip()) if value else None
    if not m:
        return None
    year, month, day = m.groups()
    if day:
        return f"{year}-{month}-{day}"
    if month:
        return f"{year}-{month}-01" if 1 <= int(month) <= 12 else None
    return f"{year}-01-01"


def strength(sources: int, date: str | None, kind: str, modalities, confidence: float) -> tuple:
    """Sort key of a tie, strongest first: independent sources, dated, modality, confidence."""
    best = max((MODALITY_RANK.get(m, 0) for m in modalities), default=0)
    return (-sources, 0 if (date or kind != "co_presence") else 1, -best, -confidence)


def is_built(conn: Connection) -> bool:
    """True when the aggregates are built and current (analysis reads claims otherwise): one small read.

    Current: counted from the store's present generation (:func:`touch`), so a resolution or a write
    of claims not followed by :func:`refresh_edges` (a crash between them, ``resolve_store`` called
    alone) sends analysis back to the claims instead of answering from stale counts."""
    rows = dict(conn.execute(select(S.kb_aggregates.c.name, S.kb_aggregates.c.generation)
                             .where(S.kb_aggregates.c.name.in_((NAME, STORE)))).all())
    return NAME in rows and rows[NAME] == rows.get(STORE)


def touch(conn: Connection) -> None:
    """Record that claims or clusters changed (a new generation): the aggregates are stale until the
    next :func:`refresh_edges`. Called, in their transaction, by whatever writes claims or clusters."""
    values = {"built_at": now(), "generation": uuid.uuid4().hex}
    changed = conn.execute(update(S.kb_aggregates).where(S.kb_aggregates.c.name == STORE).values(**values))
    if not changed.rowcount:
        conn.execute(insert(S.kb_aggregates).values(name=STORE, **values))


def generation(conn: Connection) -> str | None:
    """The store's present generation (None before any :func:`touch`)."""
    return conn.execute(select(S.kb_aggregates.c.generation).where(S.kb_aggregates.c.name == STORE)).scalar()


def refresh_edges(engine: Engine, *, incremental: bool = True) -> dict:
    """Bring every analysis aggregate up to date with the claims, in one transaction; returns row counts.

    After only new documents, recounts what they touch (``store.increment``); otherwise, or with
    ``incremental=False``, rebuilds everything."""
    from linkwatch.store import increment

    started = time.perf_counter()
    with writing(engine, "refresh the analysis aggregates") as conn:
        counts = increment.update(conn) if incremental else None
        if counts is None:
            counts = rebuild(conn)
    how = "recounted" if "recounted_events" in counts else "rebuilt"
    log.info("analysis aggregates %s in %.1f s: %s", how, time.perf_counter() - started, counts)
    return counts


class _Support:
    """The claims (denials aside) behind one entity's side of a tie."""

    __slots__ = ("keys", "confidence", "modalities", "first", "claims")

    def __init__(self) -> None:
        self.claims: list[str] = []  # a relation's claim ids, denials included (readers filter as they show)
        self.keys: set[str] = set()
        self.confidence: float | None = None
        self.modalities: set[str] = set()
        self.first: str | None = None

    def add(self, key: str, confidence: float | None, modality: str, day: str | None) -> None:
        self.keys.add(key)
        if confidence is not None and (self.confidence is None or confidence > self.confidence):
            self.confidence = confidence
        self.modalities.add(modality)
        if day is not None and (self.first is None or day < self.first):
            self.first = day


def _earliest(*days):
    days = [d for d in days if d is not None]
    return min(days) if days else None


def _best(*values):
    values = [v for v in values if v is not None]
    return max(values) if values else 0.0


@dataclass
class Scope:
    """What an incremental count reads (``store.increment``), where ``rebuild`` reads everything: the kb
    events it recounts, the documents whose claims or records those counts follow, and the entity pairs
    (sorted) whose relation ties it recounts. The entities read are those recorded in the documents,
    their organisations and the pairs' ends."""

    events: set[str]
    documents: set[str]
    pairs: set[tuple[str, str]]


def _source(document_id: str, syndicated_of: str | None, ingested_at) -> tuple[str, str | None]:
    """A claim's source: the document it was syndicated from (else its own), and its ingest day."""
    return syndicated_of or document_id, ingested_at.date().isoformat() if ingested_at else None


class Counter:
    """Counts ties, presences, first meetings and timeline rows, event by event (``rebuild`` feeds it
    every event; ``store.increment`` only the events a few new documents touch, reading only the
    ``scope`` they need)."""

    def __init__(self, conn: Connection, scope: Scope | None = None) -> None:
        from linkwatch.store.timelines import Timelines  # which reads this module's definitions

        d = S.documents
        docs = {r.id: _source(*r) for r in rows_in(conn, select(d.c.id, d.c.syndicated_of, d.c.ingested_at), d.c.id,
                                                    scope and scope.documents)}
        self.source = lambda document_id: docs.get(document_id, (document_id, None))
        if scope is None:
            recorded = wanted = None
            self.rel, self.members = _relations(conn)
        else:  # the memberships of whoever the documents record; the relation claims between the pairs' ends
            recorded = entity_records(conn, scope.documents)
            self.members = memberships(conn, {kb for _, kb in recorded})
            ends = {kb for pair in scope.pairs for kb in pair}
            self.rel = {key: support for key, support in _relations(conn, subjects=ends, objects=ends)[0].items()
                        if tuple(sorted(key[1:])) in scope.pairs}
            wanted = {kb for _, kb in recorded} | ends | {o for orgs in self.members.values() for o in orgs}
        e = S.kb_entities
        self.entities = {r.kb_id: (r.type, r.documents or 0) for r in rows_in(
            conn, select(e.c.kb_id, e.c.type, e.c.documents), e.c.kb_id, wanted)}
        self.dates = dict(rows_in(conn, select(S.kb_events.c.kb_id, S.kb_events.c.time_value), S.kb_events.c.kb_id,
                                  scope and scope.events))
        self.orgs = {kb for kb, (kind, _) in self.entities.items() if kind == "organization"}
        self.timelines = Timelines(conn, self.members, self.source, events=scope and scope.events, entities=wanted,
                                   recorded=recorded)
        self.ties: list[tuple] = []  # rows in TIE_COLUMNS order
        self.presence: list[tuple] = []
        self.firsts: dict[tuple, tuple] = {}

    def know(self, conn: Connection, kbs: Iterable[str]) -> None:
        """Read the summaries of the kb entities among ``kbs`` not read yet (the other ends of links)."""
        e = S.kb_entities
        missing = set(kbs) - self.entities.keys()
        self.entities.update((r.kb_id, (r.type, r.documents or 0)) for r in rows_in(
            conn, select(e.c.kb_id, e.c.type, e.c.documents), e.c.kb_id, missing))

    def node(self, kb: str) -> bool:
        return kb in self.entities and self.entities[kb][0] in NODE_TYPES

    def relations(self) -> None:
        """The relation ties of the relation claims read."""
        for (predicate, a, b), support in self.rel.items():
            if a == b or not support.keys or not (self.node(a) and self.node(b)):
                continue
            lo, hi = sorted((a, b))
            self.ties.append((lo, hi, predicate, None, a, None, len(support.keys), len(support.keys),
                              _best(support.confidence), ",".join(sorted(support.modalities)), support.first,
                              sorted(support.claims)))

    def event(self, event: str, rows: list) -> None:
        """One kb event's participation claims (``_participations`` rows)."""
        node, source, members, orgs = self.node, self.source, self.members, self.orgs
        self.timelines.add(event, rows)
        date = self.dates.get(event)
        named: dict[str, bool] = {}
        present: dict[str, _Support] = {}
        for who, predicate, modality, confidence, document_id, *_ in rows:
            at = predicate in CO_PRESENCE_ROLES
            named[who] = named.get(who, False) or at
            if not at:
                continue
            support = present.setdefault(who, _Support())
            modality = modality or "asserted"
            if modality != "denied":
                key, day = source(document_id)
                support.add(key, confidence, modality, day)
        self.presence.extend((who, event, date, at, self.entities.get(who, (None,))[0]) for who, at in named.items())
        for x, y in combinations(sorted(w for w in present if node(w)), 2):
            sx, sy = present[x], present[y]
            if not (sx.keys and sy.keys):
                continue  # each end needs a claim that is not a denial
            self.ties.append((x, y, "co_presence", event, None, date, max(1, len(sx.keys & sy.keys)),
                              len(sx.keys | sy.keys), _best(sx.confidence, sy.confidence),
                              ",".join(sorted(sx.modalities | sy.modalities)), _earliest(sx.first, sy.first), None))
        start = period_start(date)
        if start is None:
            return
        for level, side in (("all", {w for w in present if node(w)}),
                            ("organization", {o for w in present for o in ({w} | members.get(w, set())) if o in orgs})):
            for pair in combinations(sorted(side), 2):
                seen = self.firsts.get((level,) + pair)
                if seen is None or (start, event) < (seen[0], seen[2]):
                    self.firsts[(level,) + pair] = (start, date, event)


def rebuild(conn: Connection) -> dict:
    """Recompute the aggregates from claims, clusters and the kb summaries (on an open transaction)."""
    from linkwatch.store import increment

    stamp = generation(conn)  # read first: a write after it makes these counts stale, as it should
    counter = Counter(conn)
    counter.relations()
    counter.rel = {}
    for event, rows in _participations(conn):
        counter.event(event, rows)
    entities, ties, presence, firsts, timelines = (counter.entities, counter.ties, counter.presence,
                                                   counter.firsts, counter.timelines)
    members = counter.members
    del counter

    for table in TABLES:
        conn.execute(delete(table))
    # rows go in in index order: appending to the b-trees is several times faster than random inserts
    counts = {"ties": len(ties)}
    counts["links"] = insert_tuples(conn, S.kb_links, LINK_COLUMNS, sorted(_links(ties, entities)))
    ties.sort(key=lambda t: (t[0], t[1]))
    insert_tuples(conn, S.kb_ties, TIE_COLUMNS, ties)
    del ties
    presence.sort()
    counts["presence"] = insert_tuples(conn, S.kb_presence, PRESENCE_COLUMNS, presence)
    del presence
    counts["firsts"] = insert_tuples(conn, S.kb_firsts, FIRST_COLUMNS, sorted(k + v for k, v in firsts.items()))
    del firsts
    counts["timeline"] = timelines.write(conn)
    increment.snapshot(conn, members)
    mark_built(conn, counts, stamp)
    return counts


def mark_built(conn: Connection, counts: dict, stamp: str | None) -> None:
    """Record the aggregates as built from the store's generation ``stamp`` (read before counting)."""
    conn.execute(delete(S.kb_aggregates).where(S.kb_aggregates.c.name == NAME))
    conn.execute(insert(S.kb_aggregates).values(name=NAME, built_at=now(), counts=counts, generation=stamp))


def _kb(alias, item):
    """An item's kb id; an item missing from ``clusters`` stands for itself."""
    return func.coalesce(alias.c.kb_id, item)


def relation_claims():
    """Hop relation claims as (subject kb, object kb, predicate, modality, confidence, document id, claim
    id, the document's syndicated_of and ingested_at)."""
    subj, obj = S.clusters.alias("subj"), S.clusters.alias("obj")
    c, d = S.claims, S.documents
    return (select(_kb(subj, c.c.subject).label("a"), _kb(obj, c.c.object).label("b"), c.c.predicate,
                   c.c.modality, c.c.confidence, c.c.document_id, c.c.id, d.c.syndicated_of, d.c.ingested_at)
            .select_from(c.outerjoin(subj, subj.c.item_id == c.c.subject).outerjoin(obj, obj.c.item_id == c.c.object)
                         .outerjoin(d, d.c.id == c.c.document_id))
            .where(c.c.kind == "relation", c.c.predicate.in_(HOP_PREDICATES), c.c.object.is_not(None)))


def _of_kb(item_column, kb_column, kbs: list[str]):
    """``item_column`` is an item of one of the kb ids ``kbs`` (or, unclustered, one of them itself):
    the item index narrows, the kb column decides."""
    items = select(S.clusters.c.item_id).where(S.clusters.c.kb_id.in_(kbs))
    return and_(or_(item_column.in_(items), item_column.in_(kbs)), kb_column.in_(kbs))


def _relations(conn: Connection, *, subjects: set[str] | None = None, objects: set[str] | None = None
               ) -> tuple[dict[tuple, _Support], dict[str, set[str]]]:
    """(predicate, subject kb, object kb) → support; and member kb → the kb ids it is a member of; of
    every hop relation claim, or of those whose subject (and object) kb is among ``subjects``
    (``objects``)."""
    stmt = relation_claims()
    a, b = stmt.selected_columns.a, stmt.selected_columns.b
    if subjects is None:
        statements = [stmt]
    else:
        c = S.claims
        statements = [stmt.where(_of_kb(c.c.subject, a, subject_batch),
                                 *([] if objects is None else [_of_kb(c.c.object, b, object_batch)]))
                      for subject_batch in chunks(sorted(subjects))
                      for object_batch in ([None] if objects is None else chunks(sorted(objects)))]
    out: dict[tuple, _Support] = {}
    members: dict[str, set[str]] = defaultdict(set)
    for statement in statements:
        for a, b, predicate, modality, confidence, document_id, claim_id, syndicated_of, ingested in conn.execute(
                statement):
            support = out.setdefault((predicate, a, b), _Support())
            support.claims.append(claim_id)
            modality = modality or "asserted"
            if modality == "denied":
                continue
            key, day = _source(document_id, syndicated_of, ingested)
            support.add(key, confidence, modality, day)
            if predicate in MEMBERSHIP_PREDICATES:
                members[a].add(b)
    return out, members


def memberships(conn: Connection, subjects: set[str]) -> dict[str, set[str]]:
    """Member kb → the kb ids it is a member of (a membership claim not denied), of ``subjects``: what
    ``_relations`` gives as its second value, read as distinct pairs (the database drops the repeats:
    a member named in a thousand reports costs a row an organisation, not a row a claim)."""
    stmt = relation_claims()
    a, b = stmt.selected_columns.a, stmt.selected_columns.b
    c = S.claims
    members: dict[str, set[str]] = defaultdict(set)
    for batch in chunks(sorted(subjects)):
        pairs = (stmt.with_only_columns(a, b).where(
            _of_kb(c.c.subject, a, batch), c.c.predicate.in_(MEMBERSHIP_PREDICATES),
            func.coalesce(c.c.modality, "asserted") != "denied").distinct())
        for member, org in conn.execute(pairs):
            members[member].add(org)
    return members


def entity_records(conn: Connection, documents: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """(document id, kb entity) for every entity record (of ``documents``, when given)."""
    stmt = (select(S.records.c.document_id, S.clusters.c.kb_id)
            .select_from(S.clusters.join(S.records, S.records.c.id == S.clusters.c.item_id))
            .where(S.clusters.c.kind == "entity"))
    return [tuple(r) for r in rows_in(conn, stmt, S.records.c.document_id, documents)]


def _participations(conn: Connection, events: Iterable[str] | None = None):
    """(kb event, rows) per event, in event order; a row: (kb entity, predicate, modality, confidence,
    document id, claim id, per-document event, whether that is clustered, role, the named record's
    document and type)."""
    ev, who = S.clusters.alias("ev"), S.clusters.alias("who")
    c, rec = S.claims, S.records
    event = _kb(ev, c.c.subject).label("event")
    stmt = (select(event, _kb(who, c.c.object).label("who"), c.c.predicate, c.c.modality, c.c.confidence,
                   c.c.document_id, c.c.id, c.c.subject, ev.c.kb_id.is_not(None).label("clustered"), c.c.role,
                   rec.c.document_id.label("record_document"), rec.c.type.label("record_type"))
            .select_from(c.outerjoin(ev, ev.c.item_id == c.c.subject).outerjoin(who, who.c.item_id == c.c.object)
                         .outerjoin(rec, rec.c.id == c.c.object))
            .where(c.c.kind == "participation", c.c.predicate.in_(PRESENCE_ROLES), c.c.object.is_not(None)))
    if events is not None:  # those kb events only: their items' claims (an unclustered item is its own event)
        grouped: dict[str, list] = defaultdict(list)
        for batch in chunks(sorted(set(events))):
            items = list(conn.execute(select(S.clusters.c.item_id).where(
                among(conn, S.clusters.c.kb_id, batch), S.clusters.c.kind == "event")).scalars())
            wanted = set(batch)
            for part in chunks(items + batch):
                for r in conn.execute(stmt.where(among(conn, c.c.subject, part))):
                    if r.event in wanted:
                        grouped[r.event].append(tuple(r)[1:])
        yield from sorted(grouped.items())
        return
    stmt = stmt.order_by(event)
    current, rows = None, []
    for r in conn.execute(stmt, execution_options={"yield_per": 20000}):
        if r.event != current:
            if rows:
                yield current, rows
            current, rows = r.event, []
        rows.append(tuple(r)[1:])
    if rows:
        yield current, rows


TIE_COLUMNS = ("lo", "hi", "kind", "event", "subject", "date", "sources", "claim_sources", "confidence",
               "modalities", "first_ingest", "claims")
PRESENCE_COLUMNS = ("entity", "event", "date", "present", "type")
FIRST_COLUMNS = ("level", "lo", "hi", "start", "date", "event")
LINK_COLUMNS = ("node", "other", "other_type", "other_documents", "ties", "claim_sources", "sources",
                "best_sources", "best_confidence", "kinds", "first", "last", "events")


def date_key(value: str | None) -> tuple:
    """Orders dates by their start, a coarser value before finer ones starting the same day, junk last
    (``analysis.dates.sort_key``, then the value)."""
    start = period_start(value)
    return ((start + str(10 - len(value))) if start else "9999", value or "")


def _links(ties: list[tuple], entities: dict[str, tuple]):
    """One row per pair and direction (LINK_COLUMNS): tie count, best source counts, the strongest tie,
    kinds, first and last event dates, events."""
    pairs: dict[tuple, list] = {}
    for lo, hi, kind, event, _, date, sources, claim_sources, confidence, modalities, _, _ in ties:
        key = strength(sources, date, kind, modalities.split(","), confidence)
        p = pairs.get((lo, hi))
        if p is None:
            p = pairs[(lo, hi)] = [0, 0, 0, key, sources, confidence, set(), set(), []]
        p[0] += 1
        p[1] = max(p[1], claim_sources)
        p[2] = max(p[2], sources)
        if key < p[3]:
            p[3:6] = [key, sources, confidence]
        p[6].add(kind)
        if event is not None:
            p[8].append(event)
            if date is not None:
                p[7].add(date)
    for (lo, hi), (count, claim_sources, sources, _, best_sources, best_confidence, kinds, dates, events) in pairs.items():
        dates = sorted(dates, key=date_key)
        row = (count, claim_sources, sources, best_sources, best_confidence, ",".join(sorted(kinds)),
               dates[0] if dates else None, dates[-1] if dates else None, sorted(events))
        for a, b in ((lo, hi), (hi, lo)):
            kind, documents = entities.get(b, (None, 0))
            yield (a, b, kind, documents) + row
