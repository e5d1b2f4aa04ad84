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
    the organisations its report makes it a member of."""
    documents = {r.document_id for r in rows}
    key_of: dict[str, str] = {}
    by_doc: dict[str, set] = defaultdict(set)
    r = S.records
    for rid, document, type_, name, ref in _in(conn, select(r.c.id, r.c.document_id, r.c.type, r.c.name, r.c.ref_id),
                                                r.c.document_id, documents):
        key_of[rid] = key = context_key(type_, name, ref)
        by_doc[document].add(key)
    members: dict[str, set] = defaultdict(set)
    c = S.claims
    for subject, obj in _in(conn, select(c.c.subject, c.c.object).where(c.c.kind == "relation",
                                                                         c.c.predicate == "member_of"),
                            c.c.subject, (row.id for row in rows)):
        if obj in key_of:
            members[subject].add(key_of[obj])
    return [EntityRecord(id=row.id, document=row.document_id, type=row.type, name=row.name,
                         aliases=tuple(row.aliases or ()), ref_id=row.ref_id,
                         context=frozenset(by_doc[row.document_id] - {key_of[row.id]}),
                         members=frozenset(members.get(row.id, ())))
            for row in rows]


def event_records(conn: Connection, rows: list) -> list[EventRecord]:
    """``EventRecord``s of stored events (``EVENT_COLUMNS`` rows): parties and place as kb ids, the place's
    geo, the parties' memberships (kb ids, from any report)."""
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
    orgs_of = memberships(conn, {p for ps in parties.values() for p in ps})
    pairs_of = {x: frozenset((x, org) for org in orgs) for x, orgs in orgs_of.items()}
    places = place_geo(conn, {e.location_record: kb_of[e.location_record] for e in rows
                              if e.location_record in kb_of})
    # a step reads thousands of stored events that share their parties, places, types and times: one
    # object each, not one an event (a third of a step's peak memory after 11,000 documents)
    shared: dict = {}
    one = shared.setdefault
    out = []
    for e in rows:
        p = frozenset(parties.get(e.id, ()))
        p = one(p, p)
        held = frozenset().union(*(pairs_of.get(x, ()) for x in p))
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
            .where(c.c.kind == "relation", c.c.predicate == "member_of", r.c.type != "location"))
    out: dict[str, set] = defaultdict(set)
    for a, b in _in(conn, stmt, subj.c.kb_id, kbs):
        if a != b:
            out[a].add(b)
    return out


def place_geo(conn: Connection, location_kb: dict[str, str]) -> dict[str, Place]:
    """Location record id → Place with the geo its report gave, else the geo of its kb place's record with the
    smallest id that has one."""
    r, k = S.records, S.clusters
    geo_of = {rid: geo for rid, geo in _in(conn, select(r.c.id, r.c.geo).where(r.c.geo.is_not(None)), r.c.id,
                                           location_kb)}
    kb_geo: dict[str, dict] = {}
    for kb in sorted({kb for rid, kb in location_kb.items() if rid not in geo_of}):
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
