"""Refreshing the analysis aggregates after a few new documents, without recounting everything.

``store.edges.rebuild`` records what it counted from (``kb_seen``: clusters,
documents, the kb summaries the aggregates show, memberships). :func:`update`
compares the store with that record and, when the change is only new documents
— new items, clustered into new or existing kb ids; no item removed or moved to
another kb id, no document replaced, no entity renamed or retyped, no event
redated, no new membership of an entity already counted — recounts only the
kb events those documents report (their ties, presences, first meetings and
timeline rows), the relation ties of the pairs their relation claims relate,
the pairs whose ties changed, and the timelines of the entities at those
events. Anything else returns None, and the caller rebuilds. Under those
conditions nothing counted before can shrink, so first meetings are kept by
minimum.

Its working set is the change, not the store: the comparisons with the record
run in the database (anti-joins, and the recorded values rendered by the
database itself, ``_VALUES``, so a value compares as text), and return only
what differs; the counting reads only the events, documents, entities and
relation claims the change touches (``edges.Scope``).
"""
from __future__ import annotations

import logging
from collections import defaultdict

from sqlalchemy import String, and_, bindparam, case, cast, delete, exists, func, insert, literal, select, tuple_, \
    update as sql_update
from sqlalchemy.engine import Connection

from linkwatch.store import schema as S
from linkwatch.store.db import chunks, insert_tuples, now
from linkwatch.store.edges import (LINK_COLUMNS, NAME, TIE_COLUMNS, Counter, Scope, _links, _participations,
                                   generation, relation_claims)

log = logging.getLogger(__name__)

SEP = "\x1f"
IN_CHUNK = 500  # keys per IN (...) list


def _text(column):
    """A column as the database writes it as text: '' for NULL, else '=' and the value (so that NULL
    and an empty value differ)."""
    return case((column.is_(None), ""), else_=literal("=") + cast(column, String))


def _joined(*columns):
    """The columns as text (``_text``), joined by SEP."""
    out = _text(columns[0])
    for column in columns[1:]:
        out = out + SEP + _text(column)
    return out


_E, _V, _D = S.kb_entities, S.kb_events, S.documents
# kind → (table, key column, the value recorded): what the aggregates show of a kb summary or document
# (an event's date first: a redated event needs a rebuild; an entity's document count last: a recount)
_VALUES = {
    "document": (_D, _D.c.id, _text(_D.c.ingested_at)),
    "entity": (_E, _E.c.kb_id, _joined(_E.c.type, _E.c.name, func.coalesce(_E.c.documents, 0))),
    "event": (_V, _V.c.kb_id, _joined(_V.c.time_value, _V.c.type, _V.c.name, _V.c.time_conflict, _V.c.location_kb)),
}


def _record_values(conn: Connection, kind: str, keys: list[str] | None = None) -> None:
    """Record the present values of ``kind`` (of ``keys``; of every row when None), in the database."""
    table, key, value = _VALUES[kind]
    stmt = select(literal(kind, S.kb_seen.c.kind.type), key, value)
    for batch in [None] if keys is None else chunks(sorted(keys), IN_CHUNK):
        conn.execute(insert(S.kb_seen).from_select(["kind", "key", "value"],
                                                   stmt if batch is None else stmt.where(key.in_(batch))))


def _differing(conn: Connection, kind: str):
    """(key, recorded value, present value) of the rows of ``kind`` whose value differs from the one
    recorded (the database compares; only the differences come back)."""
    table, key, value = _VALUES[kind]
    seen = S.kb_seen
    return conn.execute(select(key, seen.c.value, value.label("now")).join_from(
        table, seen, and_(seen.c.kind == kind, seen.c.key == key)).where(seen.c.value != value))


def snapshot(conn: Connection, members: dict[str, set[str]]) -> None:
    """Record what the aggregates were just counted from (on the rebuild's transaction)."""
    conn.execute(delete(S.kb_seen))
    conn.execute(insert(S.kb_seen).from_select(
        ["kind", "key", "value"], select(literal("item", S.kb_seen.c.kind.type), S.clusters.c.item_id,
                                         S.clusters.c.kb_id)))
    for kind in _VALUES:
        _record_values(conn, kind)
    insert_tuples(conn, S.kb_seen, ("kind", "key", "value"),
                  (("member", a + SEP + b, None) for a, orgs in members.items() for b in orgs))


def _rebuild(why: str) -> None:
    log.info("the analysis aggregates need a rebuild: %s", why)


def _seen_keys(conn: Connection, kind: str, keys) -> set[str]:
    """Those of ``keys`` that ``kb_seen`` records under ``kind``."""
    seen = S.kb_seen
    return {key for batch in chunks(sorted(set(keys)), IN_CHUNK) for key in conn.execute(
        select(seen.c.key).where(seen.c.kind == kind, seen.c.key.in_(batch))).scalars()}


def _new_items(conn: Connection) -> list[tuple[str, str, str]] | None:
    """(item, kb id, kind) of the clustered items not counted yet; None when a counted item moved to
    another kb id or went (anti-joins on ``kb_seen``'s key: the database scans, this process holds the
    new items)."""
    cl, seen = S.clusters, S.kb_seen
    counted = and_(seen.c.kind == "item", seen.c.key == cl.c.item_id)
    if conn.execute(select(cl.c.item_id).join_from(cl, seen, counted).where(seen.c.value != cl.c.kb_id)
                    .limit(1)).first():
        return _rebuild("an item moved to another kb id")
    if conn.execute(select(seen.c.key).where(seen.c.kind == "item", ~exists().where(cl.c.item_id == seen.c.key))
                    .limit(1)).first():
        return _rebuild("an item went")
    return [tuple(r) for r in conn.execute(select(cl.c.item_id, cl.c.kb_id, cl.c.kind)
                                          .outerjoin_from(cl, seen, counted).where(seen.c.key.is_(None)))]


def _new_documents(conn: Connection) -> list[str] | None:
    """The documents not counted yet; None when a counted one was replaced or went."""
    d, seen = S.documents, S.kb_seen
    if conn.execute(select(seen.c.key).where(seen.c.kind == "document", ~exists().where(d.c.id == seen.c.key))
                    .limit(1)).first():
        return _rebuild("a document went")
    if _differing(conn, "document").first():
        return _rebuild("a document was replaced")
    counted = and_(seen.c.kind == "document", seen.c.key == d.c.id)
    return list(conn.execute(select(d.c.id).outerjoin_from(d, seen, counted).where(seen.c.key.is_(None))).scalars())


def _changed_summaries(conn: Connection) -> tuple[dict[str, int], set[str]] | None:
    """(entity → its new document count, the events whose summaries changed) among those counted
    before; None when an entity was renamed or retyped or an event redated."""
    recounted_documents = {}
    for kb, old, new in _differing(conn, "entity"):
        kept, _, documents = new.rpartition(SEP)  # the count: digits, no separator
        if not (old.startswith(kept + SEP) and SEP not in old[len(kept) + 1:]):
            return _rebuild(f"entity {kb} renamed or retyped")
        recounted_documents[kb] = int(documents[1:])
    changed_events = set()
    for kb, old, new in _differing(conn, "event"):
        if old.partition(SEP)[0] != new.partition(SEP)[0]:  # a date has no separator; a later first meeting
            return _rebuild(f"event {kb} redated")
        changed_events.add(kb)
    return recounted_documents, changed_events


def _documents_of(conn: Connection, items: list[str]) -> set[str]:
    """The documents of ``items`` (records and per-document events)."""
    return {document_id for table in (S.records, S.events) for batch in chunks(sorted(items), IN_CHUNK)
            for document_id in conn.execute(select(table.c.document_id).where(table.c.id.in_(batch))).scalars()}


def _related_pairs(conn: Connection, documents: set[str]) -> set[tuple[str, str]]:
    """The entity pairs (sorted) that the hop relation claims of ``documents`` relate: with the changed
    documents, the only relation ties whose claims changed."""
    stmt = relation_claims()
    return {tuple(sorted((r.a, r.b))) for batch in chunks(sorted(documents), IN_CHUNK)
            for r in conn.execute(stmt.where(S.claims.c.document_id.in_(batch))) if r.a != r.b}


def _new_membership(conn: Connection, members: dict[str, set[str]]) -> bool:
    """True when an entity counted before has a membership not counted. Memberships come from claims,
    which only new documents add (or new items, clustered late), and the counted entities' memberships
    are recorded, so those of the entities the changed documents record (``members``) are the ones to
    look at."""
    counted = _seen_keys(conn, "entity", members)
    known = _seen_keys(conn, "member", (a + SEP + b for a in counted for b in members[a]))
    return any(a + SEP + b not in known for a in counted for b in members[a])


def update(conn: Connection) -> dict | None:
    """Recount what new documents touched (on an open transaction); None when a rebuild is needed."""
    stamp = generation(conn)
    if not conn.execute(select(S.kb_seen.c.key).where(S.kb_seen.c.kind == "item").limit(1)).first():
        return None
    new_items = _new_items(conn)
    new_docs = None if new_items is None else _new_documents(conn)
    changed = None if new_docs is None else _changed_summaries(conn)
    if changed is None:
        return None
    recounted_documents, changed_events = changed
    new_entities = {kb for _, kb, kind in new_items if kind == "entity"}
    events = {kb for _, kb, kind in new_items if kind != "entity"} | changed_events
    changed_docs = set(new_docs) | _documents_of(conn, [item for item, _, _ in new_items])
    participations = list(_participations(conn, events))
    documents = changed_docs | {d for _, rows in participations for r in rows for d in (r[4], r[9]) if d}
    related = _related_pairs(conn, changed_docs)
    counter = Counter(conn, Scope(events=events, documents=documents, pairs=related))
    if _new_membership(conn, counter.members):  # its "via" rows and organisation-level meetings move
        return _rebuild("a new membership of an entity counted before")
    counter.relations()
    counter.rel = {}
    for event, rows in participations:
        counter.event(event, rows)
    del participations

    # ties: the relation ties of the pairs new claims relate, the co-presences at the events
    ties = S.kb_ties
    changed_pairs = set(related)
    for batch in chunks(sorted(related), IN_CHUNK):
        conn.execute(delete(ties).where(ties.c.kind != "co_presence", tuple_(ties.c.lo, ties.c.hi).in_(batch)))
    present = set()
    for batch in chunks(sorted(events), IN_CHUNK):
        present.update(conn.execute(select(S.kb_presence.c.entity).where(S.kb_presence.c.event.in_(batch))).scalars())
        conn.execute(delete(S.kb_presence).where(S.kb_presence.c.event.in_(batch)))
    for lo_batch in chunks(sorted(present), IN_CHUNK):
        for batch in chunks(sorted(events), IN_CHUNK):
            where = and_(ties.c.lo.in_(lo_batch), ties.c.kind == "co_presence", ties.c.event.in_(batch))
            changed_pairs.update(tuple(r) for r in conn.execute(select(ties.c.lo, ties.c.hi).where(where)))
            conn.execute(delete(ties).where(where))
    insert_tuples(conn, ties, TIE_COLUMNS, sorted(counter.ties, key=lambda t: (t[0], t[1])))
    insert_tuples(conn, S.kb_presence, ("entity", "event", "date", "present", "type"), sorted(counter.presence))

    # the pairs whose ties changed: their kb_links rows, from all their ties
    changed_pairs.update((t[0], t[1]) for t in counter.ties)
    by_lo: dict[str, list] = defaultdict(list)
    for lo, hi in changed_pairs:
        by_lo[lo].append(hi)
    tie_columns = [ties.c[c] for c in TIE_COLUMNS]
    pair_ties = []
    for lo, his in by_lo.items():
        for batch in chunks(sorted(his), IN_CHUNK):
            pair_ties += [tuple(r) for r in conn.execute(select(*tie_columns).where(ties.c.lo == lo,
                                                                                     ties.c.hi.in_(batch)))]
            conn.execute(delete(S.kb_links).where(S.kb_links.c.node == lo, S.kb_links.c.other.in_(batch)))
            conn.execute(delete(S.kb_links).where(S.kb_links.c.node.in_(batch), S.kb_links.c.other == lo))
    counter.know(conn, {kb for pair in changed_pairs for kb in pair})
    insert_tuples(conn, S.kb_links, LINK_COLUMNS, sorted(_links(pair_ties, counter.entities)))
    if recounted_documents:  # what a link shows of its other end: one statement for them all
        links = S.kb_links
        neighbours = select(links.c.other).where(links.c.node == bindparam("kb"))  # by node: indexed
        conn.execute(sql_update(links).where(links.c.node.in_(neighbours), links.c.other == bindparam("kb"))
                     .values(other_documents=bindparam("documents")),
                     [{"kb": kb, "documents": documents} for kb, documents in recounted_documents.items()])

    # first meetings: kept by minimum (the stored ones read per (level, lo), written in two statements)
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

    # timelines of the entities at those events, their new rows put in place
    counter.timelines.merge(conn, events)

    members = {a: orgs for a, orgs in counter.members.items() if a in new_entities}
    _record(conn, [(item, kb) for item, kb, _ in new_items], new_docs, new_entities | set(recounted_documents),
            events, members)
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
    for kind, keys in (("entity", entities), ("event", events)):
        for batch in chunks(sorted(keys), IN_CHUNK):
            conn.execute(delete(seen).where(seen.c.kind == kind, seen.c.key.in_(batch)))
        _record_values(conn, kind, keys)
    _record_values(conn, "document", new_docs)
    keys = [a + SEP + b for a, orgs in members.items() for b in orgs]
    known = _seen_keys(conn, "member", keys)
    insert_tuples(conn, seen, ("kind", "key", "value"),
                  [("item", item, kb) for item, kb in new_items] + [("member", key, None) for key in keys
                                                                     if key not in known])
