"""Resolution's view of a few stored items: ``EntityRecord``s and ``EventRecord``s read by id.

An incremental resolution (``store.resolve_new``) needs the new items and
the stored items they are compared with, never the whole store: each reader
here takes ids and answers with indexed reads (``IN`` lists, a batch of
ids a query: ``store.db.rows_in``). Identity comes from ``clusters``: an event's parties and place
are kb ids, read through the join, so the records of a stored event reflect
every merge made since it was stored.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from sqlalchemy import select
from sqlalchemy.engine import Connection

from linkwatch.resolve.entities import EntityRecord, blocking_keys as name_keys, context_key
from linkwatch.resolve.events import EventRecord, Place, blocking_keys as happening_keys
from linkwatch.store import schema as S
from linkwatch.store.db import insert_tuples, rows_in

RECORD_COLUMNS = (S.records.c.id, S.records.c.document_id, S.records.c.type, S.records.c.name,
                  S.records.c.aliases, S.records.c.ref_id)
EVENT_COLUMNS = (S.events.c.id, S.events.c.document_id, S.events.c.type, S.events.c.time_value,
                 S.events.c.location_record, S.events.c.organizer_record, S.events.c.name)
PARTY_ROLES = ("participant", "organizer")


def _in(conn: Connection, stmt, column, values: Iterable) -> list:
    """``stmt`` with ``column IN values`` (``store.db.rows_in``: a batch of values a query), all rows at once
    (callers query again while they go through them)."""
    return list(rows_in(conn, stmt, column, values))


def kb_ids(conn: Connection, items: Iterable[str]) -> dict[str, str]:
    """Item id → its kb id, for the items that have one."""
    c = S.clusters
    return dict(_in(conn, select(c.c.item_id, c.c.kb_id), c.c.item_id, items))


def entity_records(conn: Connection, rows: list) -> list[EntityRecord]:
    """``EntityRecord``s of stored records (``RECORD_COLUMNS`` rows), each with its document's context and
    the organisations its report makes it a member of. The documents' records are read streamed, each
    kept as its context key only (one object a key: most documents name the same few)."""
    documents = {r.document_id for r in rows}
    c = S.claims
    objects: dict[str, set] = defaultdict(set)  # record → the records its report makes it a member of
    for subject, obj in _in(conn, select(c.c.subject, c.c.object).where(c.c.kind == "relation",
                                                                         c.c.predicate == "member_of"),
                            c.c.subject, (row.id for row in rows)):
        objects[subject].add(obj)
    wanted = {row.id for row in rows} | {o for objs in objects.values() for o in objs}
    key_of: dict[str, tuple] = {}
    by_doc: dict[str, set] = defaultdict(set)
    shared: dict = {}
    r = S.records
    for rid, document, type_, name, ref in rows_in(conn, select(r.c.id, r.c.document_id, r.c.type, r.c.name,
                                                                r.c.ref_id), r.c.document_id, documents):
        key = context_key(type_, name, ref)
        key = shared.setdefault(key, key)
        by_doc[document].add(key)
        if rid in wanted:
            key_of[rid] = key
    return [EntityRecord(id=row.id, document=row.document_id, type=row.type, name=row.name,
                         aliases=tuple(row.aliases or ()), ref_id=row.ref_id,
                         context=frozenset(by_doc[row.document_id] - {key_of[row.id]}),
                         members=frozenset(key_of[o] for o in objects.get(row.id, ()) if o in key_of))
            for row in rows]


class Known:
    """What reading stored events learns that the next batch of them shares: the memberships of parties
    and the geo of kb places (a step reads its candidate events in groups)."""

    def __init__(self) -> None:
        self.pairs: dict[str, frozenset] = {}  # party kb id → its (party, organisation) pairs
        self.kb_geo: dict[str, dict | None] = {}  # kb place → the geo of its first record that has one


def event_records(conn: Connection, rows: list, known: Known | None = None) -> list[EventRecord]:
    """``EventRecord``s of stored events (``EVENT_COLUMNS`` rows): parties and place as kb ids, the place's
    geo, the parties' memberships (kb ids, from any report). ``known``: what earlier batches read, used
    and added to."""
    known = known or Known()
    ids = [e.id for e in rows]
    c, k = S.claims, S.clusters
    parties: dict[str, set] = defaultdict(set)
    for event, kb in _in(conn, select(c.c.subject, k.c.kb_id).select_from(c.join(k, k.c.item_id == c.c.object))
                         .where(c.c.kind == "participation", c.c.predicate.in_(PARTY_ROLES)), c.c.subject, ids):
        parties[event].add(kb)
    kb_of = kb_ids(conn, [x for e in rows for x in (e.location_record, e.organizer_record) if x])
    for e in rows:
        if e.organizer_record in kb_of:
            parties[e.id].add(kb_of[e.organizer_record])
    unknown = {p for ps in parties.values() for p in ps} - known.pairs.keys()
    orgs_of = memberships(conn, unknown)
    known.pairs.update({x: frozenset((x, org) for org in orgs_of.get(x, ())) for x in unknown})
    places = place_geo(conn, {e.location_record: kb_of[e.location_record] for e in rows
                              if e.location_record in kb_of}, known.kb_geo)
    # a step reads thousands of stored events that share their parties, places, types and times: one
    # object each, not one an event (a third of a step's peak memory after 11,000 documents)
    shared: dict = {}
    one = shared.setdefault
    out = []
    for e in rows:
        p = frozenset(parties.get(e.id, ()))
        p = one(p, p)
        held = frozenset().union(*(known.pairs[x] for x in p))
        out.append(EventRecord(id=e.id, document=e.document_id, type=one(e.type, e.type),
                               time=one(e.time_value, e.time_value), location=kb_of.get(e.location_record),
                               parties=p, name=e.name, place=places.get(e.location_record),
                               memberships=one(held, held)))
    return out


def memberships(conn: Connection, kbs: set[str]) -> dict[str, set[str]]:
    """Entity kb id → the kb ids of the organisations any report makes it a member of (states excluded:
    office-holders stand for their state only loosely)."""
    c, subj, obj, r = S.claims, S.clusters.alias("subj"), S.clusters.alias("obj"), S.records
    stmt = (select(subj.c.kb_id, obj.c.kb_id)
            .select_from(c.join(subj, subj.c.item_id == c.c.subject).join(obj, obj.c.item_id == c.c.object)
                         .join(r, r.c.id == c.c.object))
            .where(c.c.kind == "relation", c.c.predicate == "member_of", r.c.type != "location").distinct())
    out: dict[str, set] = defaultdict(set)
    for a, b in _in(conn, stmt, subj.c.kb_id, kbs):
        if a != b:
            out[a].add(b)
    return out


def place_geo(conn: Connection, location_kb: dict[str, str], kb_geo: dict[str, dict | None] | None = None) \
        -> dict[str, Place]:
    """Location record id → Place with the geo its report gave, else the geo of its kb place's record with the
    smallest id that has one (``kb_geo``: those read before, added to)."""
    r, k = S.records, S.clusters
    kb_geo = {} if kb_geo is None else kb_geo
    geo_of = {rid: geo for rid, geo in _in(conn, select(r.c.id, r.c.geo).where(r.c.geo.is_not(None)), r.c.id,
                                           location_kb)}
    for kb in sorted({kb for rid, kb in location_kb.items() if rid not in geo_of} - kb_geo.keys()):
        kb_geo[kb] = conn.execute(select(r.c.geo).select_from(k.join(r, r.c.id == k.c.item_id))
                                  .where(k.c.kb_id == kb, r.c.geo.is_not(None)).order_by(r.c.id).limit(1)).scalar()
    out, shared = {}, {}
    for rid, kb in location_kb.items():
        place = as_place(kb, geo_of.get(rid) or kb_geo.get(kb))
        out[rid] = shared.setdefault(place, place)  # one object a place, however many events name it
    return out


def as_place(kb: str, geo: dict | None) -> Place:
    geo = geo or {}
    return Place(kb, lat=geo.get("lat"), lon=geo.get("lon"), country=geo.get("country"), kind=geo.get("kind"))


# ---- blocking keys kept in the store

SEP = "\x1f"
KEY_WIDTH = 480


def key_text(key: tuple) -> str:
    """A blocking key as ``block_keys`` keeps it (cut to the column's width)."""
    return SEP.join(map(str, key))[:KEY_WIDTH]


def event_keys(record: EventRecord) -> list[tuple]:
    """The blocking keys of an event that ``block_keys`` keeps: those not made of kb ids (its country and month)."""
    return [k for k in happening_keys(record) if k[1] == "c"]


def entity_keys(record: EntityRecord) -> list[tuple]:
    """The blocking keys of a record that ``block_keys`` keeps: its name keys (a reference anchor is a
    cluster item of its own, ``ref:<id>``)."""
    return [k for k in name_keys(record) if k[0] != "ref"]


def write_keys(conn: Connection, kind: str, items: Iterable[tuple[str, list[tuple]]]) -> int:
    """Insert each (item id, its blocking keys) of one kind into ``block_keys``."""
    rows = ((kind, text, item) for item, keys in items for text in sorted({key_text(k) for k in keys}))
    return insert_tuples(conn, S.block_keys, ("kind", "key", "item_id"), rows)
