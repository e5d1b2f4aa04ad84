"""Refreshing the analysis aggregates after a few new documents, without recounting everything.

``store.edges.rebuild`` records what it counted from (``kb_seen``: clusters,
documents, the kb summaries the aggregates show, memberships). :func:`update`
compares the store with that record and, when the change is only new documents
— new items, clustered into new or existing kb ids; no item removed or moved to
another kb id, no document replaced, no entity renamed or retyped, no event
redated, no new membership of an entity already counted — recounts only the
kb events those documents report (their ties, presences, first meetings and
timeline rows), the relation ties of the entities they name, the pairs whose
ties changed, and the timelines of the entities at those events. Anything
else returns None, and the caller rebuilds. Under those conditions nothing
counted before can shrink, so first meetings are kept by minimum.
"""
from __future__ import annotations

import json
import logging
from collections import defaultdict

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, update as sql_update
from sqlalchemy.engine import Connection

from linkwatch.store import schema as S
from linkwatch.store.db import chunks, insert_tuples, now
from linkwatch.store.edges import (LINK_COLUMNS, NAME, TIE_COLUMNS, Counter, _links, _participations,
                                   generation)

log = logging.getLogger(__name__)

SEP = "\x1f"
IN_CHUNK = 500  # keys per IN (...) list


def _entity_value(r) -> str:
    return json.dumps([r.type, r.name, r.documents or 0])


def _event_value(r) -> str:
    return json.dumps([r.time_value, r.type, r.name, r.time_conflict, r.location_kb])


_ENTITY = select(S.kb_entities.c.kb_id, S.kb_entities.c.type, S.kb_entities.c.name, S.kb_entities.c.documents)
_EVENT = select(S.kb_events.c.kb_id, S.kb_events.c.time_value, S.kb_events.c.type, S.kb_events.c.name,
                S.kb_events.c.time_conflict, S.kb_events.c.location_kb)


def _documents(conn: Connection) -> dict[str, str]:
    return {r.id: r.ingested_at.isoformat() if r.ingested_at else "" for r in conn.execute(
        select(S.documents.c.id, S.documents.c.ingested_at))}


def snapshot(conn: Connection, members: dict[str, set[str]]) -> None:
    """Record what the aggregates were just counted from (on the rebuild's transaction)."""
    conn.execute(delete(S.kb_seen))
    conn.execute(insert(S.kb_seen).from_select(
        ["kind", "key", "value"], select(func.cast("item", S.kb_seen.c.kind.type), S.clusters.c.item_id,
                                         S.clusters.c.kb_id)))
    rows = [("document", k, v) for k, v in _documents(conn).items()]
    rows += [("entity", r.kb_id, _entity_value(r)) for r in conn.execute(_ENTITY)]
    rows += [("event", r.kb_id, _event_value(r)) for r in conn.execute(_EVENT)]
    rows += [("member", a + SEP + b, None) for a, orgs in members.items() for b in orgs]
    insert_tuples(conn, S.kb_seen, ("kind", "key", "value"), rows)


def _seen(conn: Connection, kind: str) -> dict[str, str | None]:
    return dict(conn.execute(select(S.kb_seen.c.key, S.kb_seen.c.value).where(S.kb_seen.c.kind == kind)).all())


def update(conn: Connection) -> dict | None:
    """Recount what new documents touched (on an open transaction); None when a rebuild is needed."""
    stamp = generation(conn)
    if not conn.execute(select(S.kb_seen.c.key).where(S.kb_seen.c.kind == "item").limit(1)).first():
        return None
    seen_items = _seen(conn, "item")
    new_entities, new_events, new_items = set(), set(), []
    for item, kb, kind in conn.execute(select(S.clusters.c.item_id, S.clusters.c.kb_id, S.clusters.c.kind)):
        old = seen_items.pop(item, None)
        if old is None:
            (new_entities if kind == "entity" else new_events).add(kb)
            new_items.append((item, kb))
        elif old != kb:
            return None  # an item moved to another kb id
    if seen_items:
        return None  # items removed
    del seen_items
    seen_docs = _seen(conn, "document")
    new_docs = []
    for document_id, ingested in _documents(conn).items():
        if document_id not in seen_docs:
            new_docs.append(document_id)
        elif seen_docs.pop(document_id) != ingested:
            return None  # a document replaced
    if seen_docs:
        return None
    seen_entities = _seen(conn, "entity")
    recounted_documents = {}
    for r in conn.execute(_ENTITY):
        old = seen_entities.get(r.kb_id)
        if old is None:
            continue
        old = json.loads(old)
        if old[:2] != [r.type, r.name]:
            return None  # renamed or retyped
        if old[2] != (r.documents or 0):
            recounted_documents[r.kb_id] = r.documents or 0
    changed_events = set()
    seen_events = _seen(conn, "event")
    for r in conn.execute(_EVENT):
        old = seen_events.get(r.kb_id)
        if old is None:
            continue
        old = json.loads(old)
        if old[0] != r.time_value:
            return None  # redated: a first meeting could move later
        if old != json.loads(_event_value(r)):
            changed_events.add(r.kb_id)
    counter = Counter(conn)
    seen_members = set(_seen(conn, "member"))
    for a, orgs in counter.members.items():
        if a in seen_entities and any(a + SEP + b not in seen_members for b in orgs):
            return None  # a new membership of an entity counted before: its "via" rows and org-level meetings move
    del seen_entities, seen_events, seen_members

    events = new_events | changed_events
    counter.relations(ends=new_entities)
    counter.rel = {}
    for event, rows in _participations(conn, events):
        counter.event(event, rows)

    # ties: the relations of the new documents' entities, the co-presences at their events
    old_ties = []
    ends = sorted(new_entities)
    for batch in chunks(ends, IN_CHUNK):
        for column in (S.kb_ties.c.lo, S.kb_ties.c.hi):
            old_ties += conn.execute(select(S.kb_ties.c.lo, S.kb_ties.c.hi, S.kb_ties.c.kind, S.kb_ties.c.event)
                                     .where(column.in_(batch), S.kb_ties.c.kind != "co_presence")).all()
    present = set()
    for batch in chunks(sorted(events), IN_CHUNK):
        present.update(conn.execute(select(S.kb_presence.c.entity).where(S.kb_presence.c.event.in_(batch))).scalars())
        conn.execute(delete(S.kb_presence).where(S.kb_presence.c.event.in_(batch)))
    for lo_batch in chunks(sorted(present), IN_CHUNK):
        for batch in chunks(sorted(events), IN_CHUNK):
            where = and_(S.kb_ties.c.lo.in_(lo_batch), S.kb_ties.c.kind == "co_presence", S.kb_ties.c.event.in_(batch))
            old_ties += conn.execute(select(S.kb_ties.c.lo, S.kb_ties.c.hi, S.kb_ties.c.kind, S.kb_ties.c.event)
                                     .where(where)).all()
            conn.execute(delete(S.kb_ties).where(where))
    for batch in chunks(ends, IN_CHUNK):
        conn.execute(delete(S.kb_ties).where(S.kb_ties.c.kind != "co_presence",
                                            or_(S.kb_ties.c.lo.in_(batch), S.kb_ties.c.hi.in_(batch))))
    insert_tuples(conn, S.kb_ties, TIE_COLUMNS, sorted(counter.ties, key=lambda t: (t[0], t[1])))
    insert_tuples(conn, S.kb_presence, ("entity", "event", "date", "present", "type"), sorted(counter.presence))

    # the pairs whose ties changed: their kb_links rows, from all their ties
    pairs = {(t[0], t[1]) for t in old_ties} | {(t[0], t[1]) for t in counter.ties}
    ties = []
    by_lo: dict[str, list] = defaultdict(list)
    for lo, hi in pairs:
        by_lo[lo].append(hi)
    tie_columns = [S.kb_ties.c[c] for c in TIE_COLUMNS]
    for lo, his in by_lo.items():
        for batch in chunks(sorted(his), IN_CHUNK):
            ties += [tuple(r) for r in conn.execute(select(*tie_columns).where(S.kb_ties.c.lo == lo,
                                                                                S.kb_ties.c.hi.in_(batch)))]
            conn.execute(delete(S.kb_links).where(S.kb_links.c.node == lo, S.kb_links.c.other.in_(batch)))
            conn.execute(delete(S.kb_links).where(S.kb_links.c.node.in_(batch), S.kb_links.c.other == lo))
    insert_tuples(conn, S.kb_links, LINK_COLUMNS, sorted(_links(ties, counter.entities)))
    if recounted_documents:  # what a link shows of its other end: one statement for them all
        links = S.kb_links
        neighbours = select(links.c.other).where(links.c.node == bindparam("kb"))  # by node: indexed
        conn.execute(sql_update(links).where(links.c.node.in_(neighbours), links.c.other == bindparam("kb"))
                     .values(other_documents=bindparam("documents")),
                     [{"kb": kb, "documents": documents} for kb, documents in recounted_documents.items()])

    # first meetings: kept by minimum (the stored ones read a (level, lo) at a time, written in two statements)
    firsts = S.kb_firsts
    his_of: dict[tuple, list] = defaultdict(list)
    for level, lo, hi in counter.firsts:
        his_of[(level, lo)].append(hi)
    stored = {}
    for (level, lo), his in his_of.items():
        for batch in chunks(sorted(his), IN_CHUNK):
            stored.update(((level, lo, r.hi), (r.start, r.event)) for r in conn.execute(
                select(firsts.c.hi, firsts.c.start, firsts.c.event)
                .where(firsts.c.level == level, firsts.c.lo == lo, firsts.c.hi.in_(batch))))
    new, earlier = [], []
    for key, (start, date, event) in sorted(counter.firsts.items()):
        if key not in stored:
            new.append(key + (start, date, event))
        elif (start, event) < stored[key]:
            earlier.append({"k_level": key[0], "k_lo": key[1], "k_hi": key[2], "start": start, "date": date,
                            "event": event})
    insert_tuples(conn, firsts, ("level", "lo", "hi", "start", "date", "event"), new)
    if earlier:
        conn.execute(sql_update(firsts).where(firsts.c.level == bindparam("k_level"),
                                              firsts.c.lo == bindparam("k_lo"), firsts.c.hi == bindparam("k_hi")),
                     earlier)

    # timelines of the entities at those events, re-ranked
    counter.timelines.merge(conn, events)

    members = {a: orgs for a, orgs in counter.members.items() if a in new_entities}
    _record(conn, new_items, new_docs, new_entities | set(recounted_documents), events, members)
    counts = {name: conn.execute(select(func.count()).select_from(table)).scalar() for name, table in (
        ("ties", S.kb_ties), ("links", S.kb_links), ("presence", S.kb_presence), ("firsts", S.kb_firsts),
        ("timeline", S.kb_timeline))}
    counts["recounted_events"] = len(events)
    conn.execute(delete(S.kb_aggregates).where(S.kb_aggregates.c.name == NAME))
    conn.execute(insert(S.kb_aggregates).values(name=NAME, built_at=now(), counts=counts, generation=stamp))
    return counts


def _record(conn: Connection, new_items: list[tuple[str, str]], new_docs: list[str], entities: set[str],
            events: set[str], members: dict[str, set[str]]) -> None:
    """Bring ``kb_seen`` up to date after an update."""
    seen = S.kb_seen
    rows = [("item", item, kb) for item, kb in new_items]
    docs = _documents(conn)
    rows += [("document", d, docs[d]) for d in new_docs]
    for kind, stmt, keys, value in (("entity", _ENTITY, entities, _entity_value), ("event", _EVENT, events, _event_value)):
        key_column = stmt.selected_columns[0]
        for batch in chunks(sorted(keys), IN_CHUNK):
            conn.execute(delete(seen).where(seen.c.kind == kind, seen.c.key.in_(batch)))
            rows += [(kind, r.kb_id, value(r)) for r in conn.execute(stmt.where(key_column.in_(batch)))]
    known_members = set(_seen(conn, "member"))
    rows += [("member", a + SEP + b, None) for a, orgs in members.items() for b in orgs
             if a + SEP + b not in known_members]
    insert_tuples(conn, seen, ("kind", "key", "value"), rows)
