"""Read-only queries over the store's tables, for analysis (SQLAlchemy Core).

Every query starts from a small set of knowledge-base ids and walks indexed
columns: ``clusters.kb_id`` → items, ``claims.subject`` / ``claims.object``
→ claims, ``clusters.item_id`` → kb ids, ``evidence.claim_id`` → quotes. No
query reads a whole table; callers bound how far they expand.

The unit returned is a :class:`Tie`: one knowledge-base-level link between two
entities, either a static relation (``member_of``, ``front_of`` ...) or a
co-presence at one event, with the claims that support it.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import and_, select

from linkwatch.analysis.views import CO_PRESENCE_ROLES, HOP_PREDICATES, NODE_TYPES
from linkwatch.store.db import chunks
from linkwatch.store.schema import (claims, clusters, documents, events, evidence, kb_entities,
                                    kb_events)

log = logging.getLogger(__name__)


@dataclass
class Claim:
    """One claim row, with the document facts needed to count independent sources."""

    id: str
    document_id: str
    source_key: str  # the document, or the earlier document it was syndicated from
    predicate: str
    role: str | None
    modality: str | None
    confidence: float | None
    time_value: str | None
    published: str | None
    about: str | None = None  # co-presence: the kb entity this participation claim places at the event


@dataclass
class Tie:
    """A knowledge-base-level link between entities ``a`` and ``b``.

    ``kind`` is a relation predicate (``a`` is the subject) or ``co_presence``
    (``event`` is the knowledge-base event both took part in, ``date`` its date).
    A tie read from the store's aggregate (``kb_ties``) carries its counts in
    ``summary`` until its claims are read (``analysis.aggregate.with_claims``).
    """

    a: str
    b: str
    kind: str
    event: str | None = None
    claims: list[Claim] = field(default_factory=list)
    roles: dict[str, str | None] = field(default_factory=dict)  # co-presence: entity → role
    date: str | None = None
    summary: dict | None = None  # sources, reach, confidence, modalities, first_ingest

    @property
    def key(self) -> tuple:
        return (self.kind, self.event, self.a, self.b)

    def other(self, node: str) -> str:
        return self.b if node == self.a else self.a

    @property
    def counted(self) -> bool:
        """True when the counts come from the aggregate (the claims are not read yet)."""
        return self.summary is not None and not self.claims

    @property
    def modalities(self) -> list[str]:
        if self.counted:
            return list(self.summary["modalities"])
        return sorted({c.modality or "asserted" for c in self.claims})

    @property
    def confidence(self) -> float:
        if self.counted:
            return self.summary["confidence"]
        values = [c.confidence for c in self.claims if c.confidence is not None]
        return max(values) if values else 0.0

    @property
    def sources(self) -> int:
        """Independent sources; for a co-presence, those placing *both* at the event (at least 1)."""
        if self.counted:
            return self.summary["sources"]
        if self.kind == "co_presence":
            a = {c.source_key for c in self.claims if c.about == self.a}
            b = {c.source_key for c in self.claims if c.about == self.b}
            return max(1, len(a & b)) if a and b else 0
        return len({c.source_key for c in self.claims})

    @property
    def reach(self) -> int:
        """Independent sources over all its claims (for a co-presence, placing either end)."""
        if self.counted:
            return self.summary["reach"]
        return len({c.source_key for c in self.claims})

    @property
    def documents(self) -> list[str]:
        return sorted({c.document_id for c in self.claims})


# the columns analysis reads (named, so columns the store adds later change nothing here)
ENTITY_COLUMNS = (kb_entities.c.kb_id, kb_entities.c.name, kb_entities.c.type, kb_entities.c.aliases,
                  kb_entities.c.documents, kb_entities.c.sources, kb_entities.c.ref_id, kb_entities.c.watchlisted)
EVENT_COLUMNS = (kb_events.c.kb_id, kb_events.c.type, kb_events.c.name, kb_events.c.time_value,
                 kb_events.c.time_conflict, kb_events.c.location_kb, kb_events.c.documents, kb_events.c.sources,
                 kb_events.c.confidence)


# --- identity: items <-> kb ids -------------------------------------------------------------

def items_of(conn, kb_ids: Iterable[str], *, kind: str = "entity") -> dict[str, str]:
    """item id → kb id, for every item of the given knowledge-base ids."""
    out: dict[str, str] = {}
    for batch in chunks(set(kb_ids)):
        rows = conn.execute(select(clusters.c.item_id, clusters.c.kb_id)
                            .where(clusters.c.kb_id.in_(batch), clusters.c.kind == kind))
        out.update({r.item_id: r.kb_id for r in rows})
    return out


def kb_of(conn, item_ids: Iterable[str]) -> dict[str, str]:
    """item id → kb id; an item missing from ``clusters`` stands for itself."""
    wanted = set(item_ids)
    out: dict[str, str] = {}
    for batch in chunks(wanted):
        rows = conn.execute(select(clusters.c.item_id, clusters.c.kb_id).where(clusters.c.item_id.in_(batch)))
        out.update({r.item_id: r.kb_id for r in rows})
    for item in wanted - out.keys():
        out[item] = item
    return out


def entity_rows(conn, kb_ids: Iterable[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for batch in chunks(set(kb_ids)):
        for r in conn.execute(select(*ENTITY_COLUMNS).where(kb_entities.c.kb_id.in_(batch))):
            out[r.kb_id] = {"id": r.kb_id, "name": r.name, "type": r.type, "aliases": list(r.aliases or []),
                            "documents": r.documents or 0, "sources": r.sources or 0,
                            "ref_id": r.ref_id, "watchlisted": bool(r.watchlisted)}
    return out


def event_rows(conn, kb_ids: Iterable[str]) -> dict[str, dict]:
    """kb event id → summary, with the place's name resolved."""
    out: dict[str, dict] = {}
    for batch in chunks(set(kb_ids)):
        for r in conn.execute(select(*EVENT_COLUMNS).where(kb_events.c.kb_id.in_(batch))):
            out[r.kb_id] = {"id": r.kb_id, "type": r.type, "name": r.name, "date": r.time_value,
                            "date_conflict": r.time_conflict or None, "place_id": r.location_kb,
                            "documents": r.documents or 0, "sources": r.sources or 0,
                            "confidence": r.confidence}
    places = entity_rows(conn, {e["place_id"] for e in out.values() if e["place_id"]})
    for e in out.values():
        place = places.get(e["place_id"]) if e["place_id"] else None
        e["place"] = place["name"] if place else None
    return out


# --- claims ---------------------------------------------------------------------------------

_CLAIM_COLUMNS = (claims.c.id, claims.c.document_id, claims.c.kind, claims.c.subject, claims.c.predicate,
                  claims.c.object, claims.c.role, claims.c.modality, claims.c.confidence,
                  claims.c.time_value, documents.c.syndicated_of, documents.c.published)


def _claim_query(*conditions):
    joined = claims.outerjoin(documents, documents.c.id == claims.c.document_id)
    return select(*_CLAIM_COLUMNS).select_from(joined).where(and_(*conditions))


def _claim(row) -> Claim:
    return Claim(id=row.id, document_id=row.document_id, source_key=row.syndicated_of or row.document_id,
                 predicate=row.predicate, role=row.role, modality=row.modality, confidence=row.confidence,
                 time_value=row.time_value, published=row.published)


def _capped(query, limit: int | None):
    """The ``limit`` most confident rows of ``query`` (all of them when ``limit`` is None)."""
    return query if limit is None else query.order_by(claims.c.confidence.desc(), claims.c.id).limit(limit)


def relation_rows(conn, item_ids: Iterable[str], *, predicates: Iterable[str] = HOP_PREDICATES,
                  limit: int | None = None) -> list:
    """Relation claims with an item as subject or object (two indexed look-ups)."""
    predicates = tuple(predicates)
    seen: dict[str, object] = {}
    for batch in chunks(set(item_ids)):
        for column in (claims.c.subject, claims.c.object):
            rows = conn.execute(_capped(_claim_query(column.in_(batch), claims.c.kind == "relation",
                                                     claims.c.predicate.in_(predicates)), limit))
            for r in rows:
                seen[r.id] = r
    return list(seen.values())


def participation_rows_by_entity(conn, item_ids: Iterable[str], *, limit: int | None = None) -> list:
    """Participation claims (participant / organizer) naming one of the items."""
    out = []
    for batch in chunks(set(item_ids)):
        out.extend(conn.execute(_capped(_claim_query(claims.c.object.in_(batch), claims.c.kind == "participation",
                                                     claims.c.predicate.in_(CO_PRESENCE_ROLES)), limit)))
    return out


def participation_rows_by_event(conn, event_item_ids: Iterable[str]) -> list:
    """Every participant / organizer claim of the given per-document events."""
    out = []
    for batch in chunks(set(event_item_ids)):
        out.extend(conn.execute(_claim_query(claims.c.subject.in_(batch), claims.c.kind == "participation",
                                             claims.c.predicate.in_(CO_PRESENCE_ROLES))))
    return out


def event_items_of(conn, kb_event_ids: Iterable[str]) -> dict[str, str]:
    return items_of(conn, kb_event_ids, kind="event")


def event_times(conn, event_item_ids: Iterable[str]) -> dict[str, dict]:
    """Per-document event rows (fallback when ``kb_events`` lacks one)."""
    out: dict[str, dict] = {}
    for batch in chunks(set(event_item_ids)):
        for r in conn.execute(select(events).where(events.c.id.in_(batch))):
            out[r.id] = {"type": r.type, "name": r.name, "time_value": r.time_value,
                         "document_id": r.document_id, "location_record": r.location_record}
    return out


# --- ties -----------------------------------------------------------------------------------

def ties_around(conn, kb_ids: Iterable[str], *, types: dict[str, str] | None = None,
                sizes: dict[str, int] | None = None, limit: int | None = None,
                capped: list | None = None) -> list[Tie]:
    """Every tie touching one of ``kb_ids``: relations, and co-presences at shared events.

    ``types`` (kb id → entity type), when given, is filled with the types of every
    entity seen, so callers can drop places without another query.
    """
    kb_ids = set(kb_ids)
    mine = items_of(conn, kb_ids)
    if not mine:
        return []
    ties: dict[tuple, Tie] = {}

    rel = relation_rows(conn, mine, limit=limit)
    part = participation_rows_by_entity(conn, mine, limit=limit)
    if limit is not None and capped is not None and (len(part) >= limit or len(rel) >= limit):
        capped.append(sorted(kb_ids))
    # every report of those kb events, not only the ones naming these entities: a co-presence is two
    # entities at one kb event, whichever documents place each of them there
    named = kb_of(conn, {r.subject for r in part})
    event_items = dict(named)
    event_items.update(items_of(conn, set(named.values()), kind="event"))
    part_all = participation_rows_by_event(conn, event_items) if event_items else []
    item_kb = dict(mine)
    item_kb.update(event_items)
    item_kb.update(kb_of(conn, {r.subject for r in rel} | {r.object for r in rel} | {r.object for r in part_all}))
    for r in rel:
        a, b = item_kb[r.subject], item_kb[r.object]
        if a == b:
            continue
        tie = ties.setdefault((r.predicate, None, a, b), Tie(a=a, b=b, kind=r.predicate))
        tie.claims.append(_claim(r))

    by_event: dict[str, list] = defaultdict(list)
    for r in part_all:
        by_event[item_kb[r.subject]].append(r)
    for event, rows in by_event.items():
        present = {item_kb[r.object] for r in rows}
        for a in present & kb_ids:
            for b in present - {a}:
                key = ("co_presence", event) + tuple(sorted((a, b)))
                tie = ties.get(key)
                if tie is None:
                    lo, hi = sorted((a, b))
                    tie = ties[key] = Tie(a=lo, b=hi, kind="co_presence", event=event)
                    for r in rows:
                        if item_kb[r.object] in (lo, hi):
                            claim = _claim(r)
                            claim.about = item_kb[r.object]
                            tie.claims.append(claim)
                            tie.roles.setdefault(item_kb[r.object], r.role)
    result = list(ties.values())
    if types is not None:
        wanted = ({t.a for t in result} | {t.b for t in result} | kb_ids) - types.keys()
        _describe(conn, wanted, types, sizes)
    return result


def ties_between(conn, left: Iterable[str], right: Iterable[str], *, types: dict[str, str] | None = None,
                 sizes: dict[str, int] | None = None) -> list[Tie]:
    """Ties with one end in ``left`` and the other in ``right``, without expanding outwards.

    Cheaper than :func:`ties_around` on both sets: relations are read with both
    ends constrained, and co-presence from the two sets' own participations
    (narrow rows first; full claim rows only for the events both sides share).
    """
    left, right = set(left), set(right)
    mine = items_of(conn, left | right)
    if not mine:
        return []
    left_items = [i for i, k in mine.items() if k in left]
    right_items = [i for i, k in mine.items() if k in right]
    ties: dict[tuple, Tie] = {}
    # relations: read from the smaller side's items, the other end checked here
    smaller = left_items if len(left_items) <= len(right_items) else right_items
    for r in relation_rows(conn, smaller):
        a, b = mine.get(r.subject), mine.get(r.object)
        if a is None or b is None or a == b or not ((a in left and b in right) or (a in right and b in left)):
            continue
        tie = ties.setdefault((r.predicate, None, a, b), Tie(a=a, b=b, kind=r.predicate))
        tie.claims.append(_claim(r))

    narrow = []
    for batch in chunks(mine):
        narrow.extend(conn.execute(select(claims.c.id, claims.c.subject, claims.c.object)
                                   .where(claims.c.object.in_(batch), claims.c.kind == "participation",
                                          claims.c.predicate.in_(CO_PRESENCE_ROLES))))
    event_kb = kb_of(conn, {r.subject for r in narrow})
    by_event: dict[str, list] = defaultdict(list)
    for r in narrow:
        by_event[event_kb[r.subject]].append(r)
    shared = {}
    for event, rows in by_event.items():
        present = {mine[r.object] for r in rows}
        if len(present) >= 2 and present & left and present & right:
            shared[event] = rows
    full = {}
    for batch in chunks({r.id for rows in shared.values() for r in rows}):
        full.update({r.id: r for r in conn.execute(_claim_query(claims.c.id.in_(batch)))})
    for event, rows in shared.items():
        present = {mine[r.object] for r in rows}
        for a in present & left:
            for b in present & right:
                if a == b:
                    continue
                lo, hi = sorted((a, b))
                key = ("co_presence", event, lo, hi)
                if key in ties:
                    continue
                tie = ties[key] = Tie(a=lo, b=hi, kind="co_presence", event=event)
                for r in rows:
                    who = mine[r.object]
                    if who in (lo, hi):
                        claim = _claim(full[r.id])
                        claim.about = who
                        tie.claims.append(claim)
                        tie.roles.setdefault(who, full[r.id].role)
    result = list(ties.values())
    if types is not None:
        wanted = (left | right) - types.keys()
        _describe(conn, wanted, types, sizes)
    return result


def _describe(conn, kb_ids, types: dict[str, str], sizes: dict[str, int] | None) -> None:
    for batch in chunks(set(kb_ids)):
        for r in conn.execute(select(kb_entities.c.kb_id, kb_entities.c.type, kb_entities.c.documents)
                              .where(kb_entities.c.kb_id.in_(batch))):
            types[r.kb_id] = r.type
            if sizes is not None:
                sizes[r.kb_id] = r.documents or 0


def keep_node(entity_type: str | None) -> bool:
    return entity_type in NODE_TYPES


# --- evidence -------------------------------------------------------------------------------

def evidence_for(conn, claim_ids: Iterable[str], *, per_claim: int = 3) -> dict[str, list[dict]]:
    """claim id → its quotes with the citing document (outlet, url, date)."""
    out: dict[str, list[dict]] = defaultdict(list)
    joined = evidence.outerjoin(documents, documents.c.id == evidence.c.document_id)
    query_cols = (evidence.c.claim_id, evidence.c.document_id, evidence.c.start, evidence.c.end,
                  evidence.c.quote, evidence.c.modality, evidence.c.confidence, evidence.c.extractor,
                  documents.c.outlet, documents.c.url, documents.c.title, documents.c.published,
                  documents.c.source)
    for batch in chunks(set(claim_ids)):
        rows = conn.execute(select(*query_cols).select_from(joined).where(evidence.c.claim_id.in_(batch))
                            .order_by(evidence.c.claim_id, evidence.c.document_id, evidence.c.start))
        for r in rows:
            if len(out[r.claim_id]) >= per_claim:
                continue
            out[r.claim_id].append({"document": r.document_id, "outlet": r.outlet, "url": r.url,
                                    "title": r.title, "published": r.published, "source": r.source,
                                    "quote": r.quote, "start": r.start, "end": r.end,
                                    "modality": r.modality, "confidence": r.confidence,
                                    "extractor": r.extractor})
    return dict(out)
