"""Refreshing the analysis aggregates after an ingest, recounting only what it touched.

``store.edges.rebuild`` records what it counted from (``kb_seen``: clusters,
documents, the kb summaries the aggregates show, memberships). :func:`update`
compares the store with that record and recounts the kb events the change
touches (their ties, presences, first meetings and timeline rows), the
relation ties of the pairs the changed documents' claims relate, the pairs
whose ties changed, and the timelines of the entities at those events. The
change it follows:

- new documents, their items clustered into new or existing kb ids; an event's
  summary changed (not its date): its kb event;
- a counted entity renamed (its display name is its most frequent name): the
  stored timeline rows that show the name (co-participants, ``via``, an event's
  place) are rewritten where they are (``timelines.rename``);
- a counted entity with a new membership: the events told in its documents
  (its "via" rows, the organisation-level first meetings at its events);
- kb ids merged into others (not organisations): every event of the merged
  entities, and the merged events; what showed the vanished ids goes, and a
  first meeting at a vanished event is read again from the presences;
- an event redated (its reports' dates refined or in conflict): its kb event,
  and the first meetings that were at it, read again from the presences
  (those of organisations through their members, as they are counted);
- a kb event split (an incremental resolution re-resolves the stored events
  of entities just merged, and some of a kb event's reports get another id):
  it and the events its reports went to, recounted, and the first meetings
  that were at it read again.

Anything else (an item gone or split off a kb entity, a document replaced, an entity
retyped, an organisation merged) returns None, and the caller rebuilds. Under these conditions what a recounted event counted can
only grow, so first meetings are kept by minimum, except those recounted whole.

Its working set is the change, not the store: the comparisons with the record
run in the database (anti-joins, and the recorded values rendered by the
database itself, ``_VALUES``, so a value compares as text), and return only
what differs; the counting reads only the events, documents, entities and
relation claims the change touches (``edges.Scope``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import (String, and_, bindparam, case, cast, delete, exists, func, insert, literal, or_, select,
                        update as sql_update)
from sqlalchemy.engine import Connection

from linkwatch.store import schema as S, timelines
from linkwatch.store.db import among, chunks, delete_at, insert_tuples, rows_at
from linkwatch.store.edges import (FIRST_COLUMNS, LINK_COLUMNS, MEMBERSHIP_PREDICATES, PRESENCE_COLUMNS, TIE_COLUMNS,
                                   Counter, Scope, _links, _participations, generation, mark_built, memberships,
                                   period_start, relation_claims)

log = logging.getLogger(__name__)

SEP = "\x1f"
IN_CHUNK = 500  # keys per IN (...) list
LINK_BATCH = 250  # entity pairs whose kb_links rows are counted again at once (from all their ties)
# a change touching more than this share of the kb events is rebuilt: a recount then reads about what a
# rebuild reads, event by event, and holds more (measured: bench/refresh_memory.py --step); below
# SMALL_STORE events either is quick, and the change is recounted
MOST, SMALL_STORE = 0.5, 200


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
                                                   stmt if batch is None else stmt.where(among(conn, key, batch))))


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
    insert_tuples(conn, S.kb_seen, ("kind", "key", "value"), (("member", key, None) for key in _member_keys(members)))


def _rebuild(why: str) -> None:
    log.info("the analysis aggregates need a rebuild: %s", why)


def _seen_keys(conn: Connection, kind: str, keys) -> set[str]:
    """Those of ``keys`` that ``kb_seen`` records under ``kind``."""
    seen = S.kb_seen
    return {key for batch in chunks(sorted(set(keys)), IN_CHUNK) for key in conn.execute(
        select(seen.c.key).where(seen.c.kind == kind, among(conn, seen.c.key, batch))).scalars()}


@dataclass
class Merges:
    """The merges since the count: the items that moved (item → its kb id now), and per kind the kb ids
    that vanished (``gone``) and those they went into (``into``); ``split``: the kb events that stay but
    lost reports to others (an incremental resolution re-resolving stored events after a merge of
    entities)."""

    items: dict[str, str]
    gone: dict[str, set[str]]
    into: dict[str, set[str]]
    split: set[str] = field(default_factory=set)


def _merges(conn: Connection) -> Merges | None:
    """The merges of counted kb ids into others (the moved items: the database compares); None when
    an item moved out of a kb entity that still exists (a split), or when an organisation merged (its
    members' events would move its organisation-level first meetings)."""
    cl, seen = S.clusters, S.kb_seen
    counted = and_(seen.c.kind == "item", seen.c.key == cl.c.item_id)
    moved = conn.execute(select(cl.c.item_id, cl.c.kind, seen.c.value, cl.c.kb_id).join_from(cl, seen, counted)
                         .where(seen.c.value != cl.c.kb_id)).all()
    merges = Merges({r.item_id: r.kb_id for r in moved}, {"entity": set(), "event": set()},
                    {"entity": set(), "event": set()})
    for r in moved:
        merges.gone[r.kind].add(r.value)
        merges.into[r.kind].add(r.kb_id)
    def staying(kind: str) -> set[str]:  # the kb ids items moved out of that still have items
        return {kb for batch in chunks(sorted(merges.gone[kind]), IN_CHUNK) for kb in conn.execute(
            select(cl.c.kb_id).where(among(conn, cl.c.kb_id, batch), cl.c.kind == kind).distinct()).scalars()}

    if staying("entity"):
        return _rebuild("an item moved out of a kb entity that stays (a split)")
    merges.split = staying("event")  # a kb event split: recounted whole, with the first meetings that were at it
    merges.gone["event"] -= merges.split
    types = {value.partition(SEP)[0][1:] for batch in chunks(sorted(merges.gone["entity"]), IN_CHUNK)
             for value in conn.execute(select(seen.c.value).where(seen.c.kind == "entity",
                                                                  among(conn, seen.c.key, batch)))
             .scalars()}
    types |= {kind for batch in chunks(sorted(merges.into["entity"]), IN_CHUNK) for kind in conn.execute(
        select(_E.c.type).where(among(conn, _E.c.kb_id, batch))).scalars()}
    if "organization" in types:
        return _rebuild("an organisation merged")
    return merges


def _new_items(conn: Connection) -> list[tuple[str, str, str]] | None:
    """(item, kb id, kind) of the clustered items not counted yet; None when a counted item went
    (anti-joins on ``kb_seen``'s key: the database scans, this process holds the new items)."""
    cl, seen = S.clusters, S.kb_seen
    counted = and_(seen.c.kind == "item", seen.c.key == cl.c.item_id)
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


def _changed_summaries(conn: Connection) -> tuple[dict[str, int], dict[str, str], set[str], set[str]] | None:
    """(entity → its new document count, renamed entity → its new name, the events whose summaries
    changed, those of them redated) among those counted before; None when an entity was retyped."""
    recounted_documents, renamed = {}, {}
    for kb, old, new in _differing(conn, "entity"):
        old_type, _, old_rest = old.partition(SEP)  # a type has no separator; a count, digits, neither
        new_type, _, new_rest = new.partition(SEP)
        if old_type != new_type:
            return _rebuild(f"entity {kb} retyped")
        old_name, new_name, documents = old_rest.rpartition(SEP)[0], *new_rest.rpartition(SEP)[::2]
        if old_name != new_name:
            renamed[kb] = new_name[1:]
        recounted_documents[kb] = int(documents[1:])
    changed_events, redated = set(), set()
    for kb, old, new in _differing(conn, "event"):
        if old.partition(SEP)[0] != new.partition(SEP)[0]:  # a date has no separator
            redated.add(kb)  # its first meetings may move to another event
        changed_events.add(kb)
    return recounted_documents, renamed, changed_events, redated


def _documents_of(conn: Connection, items: list[str]) -> set[str]:
    """The documents of ``items`` (records and per-document events)."""
    return {document_id for table in (S.records, S.events) for batch in chunks(sorted(items), IN_CHUNK)
            for document_id in conn.execute(select(table.c.document_id)
                                            .where(among(conn, table.c.id, batch))).scalars()}


def _claimed(conn: Connection, documents: set[str]) -> tuple[set[tuple[str, str]], set[str]]:
    """The entity pairs (sorted) that the hop relation claims of ``documents`` relate (with the changed
    documents, the only relation ties whose claims changed), and the subjects of their membership
    claims (the only entities whose memberships can have changed, merges aside)."""
    stmt = relation_claims()
    pairs, subjects = set(), set()
    for batch in chunks(sorted(documents), IN_CHUNK):
        for r in conn.execute(stmt.where(among(conn, S.claims.c.document_id, batch))):
            if r.a != r.b:
                pairs.add(tuple(sorted((r.a, r.b))))
            if r.predicate in MEMBERSHIP_PREDICATES:
                subjects.add(r.a)
    return pairs, subjects


def _member_keys(members: dict[str, set[str]]) -> set[str]:
    return {a + SEP + b for a, orgs in members.items() for b in orgs}


def _with_new_memberships(conn: Connection, members: dict[str, set[str]]) -> set[str]:
    """The entities counted before with a membership not counted (the events told in their documents
    are recounted: their "via" rows and organisation-level first meetings follow memberships)."""
    counted = _seen_keys(conn, "entity", members)
    known = _seen_keys(conn, "member", _member_keys({a: members[a] for a in counted}))
    return {a for a in counted if any(a + SEP + b not in known for b in members[a])}


def _told_with(conn: Connection, kbs: set[str]) -> set[str]:
    """The kb events of the per-document events told in the documents that record one of ``kbs`` (an
    unclustered one stands for itself): where those entities are named, and where their organisations
    are, as their timelines show them."""
    cl, r, ev = S.clusters, S.records, S.events
    documents = {d for batch in chunks(sorted(kbs), IN_CHUNK) for d in conn.execute(
        select(r.c.document_id).join_from(cl, r, r.c.id == cl.c.item_id)
        .where(among(conn, cl.c.kb_id, batch), cl.c.kind == "entity").distinct()).scalars()}
    return {kb for batch in chunks(sorted(documents), IN_CHUNK) for kb in conn.execute(
        select(func.coalesce(cl.c.kb_id, ev.c.id)).outerjoin_from(ev, cl, cl.c.item_id == ev.c.id)
        .where(among(conn, ev.c.document_id, batch)).distinct()).scalars()}


def _first_meeting(conn: Connection, lo: str, hi: str) -> tuple | None:
    """(start, date, event) of the first dated kb event both are present at, read from ``kb_presence``
    (as counted: for a pair whose first meeting was at an event merged away)."""
    one, two = S.kb_presence.alias("one"), S.kb_presence.alias("two")
    stmt = (select(one.c.event, one.c.date)
            .join_from(one, two, and_(two.c.event == one.c.event, two.c.entity == hi, two.c.present))
            .where(one.c.entity == lo, one.c.present))
    return min(((period_start(date), date, event) for event, date in conn.execute(stmt) if period_start(date)),
               key=lambda f: (f[0], f[2]), default=None)


def _org_first_meeting(conn: Connection, lo: str, hi: str) -> tuple | None:
    """(start, date, event) of the first dated kb event both organisations are at, themselves or through
    a member (a ``member_of`` claim not denied), as ``edges.Counter.event`` counts them; read from
    ``kb_presence`` and the claims (for a pair whose first meeting was at an event merged away or
    redated)."""
    c, subj, obj = S.claims, S.clusters.alias("subj"), S.clusters.alias("obj")
    side = {lo: {lo}, hi: {hi}}
    for member, org in conn.execute(
            select(subj.c.kb_id, obj.c.kb_id)
            .join_from(c, subj, subj.c.item_id == c.c.subject).join(obj, obj.c.item_id == c.c.object)
            .where(c.c.kind == "relation", c.c.predicate.in_(MEMBERSHIP_PREDICATES), obj.c.kb_id.in_((lo, hi)),
                   func.coalesce(c.c.modality, "asserted") != "denied")):
        side[org].add(member)
    p = S.kb_presence

    def events(who: set[str]) -> dict[str, str]:
        return dict(conn.execute(select(p.c.event, p.c.date).where(among(conn, p.c.entity, sorted(who)), p.c.present))
                    .all())

    one, two = events(side[lo]), events(side[hi])
    return min(((period_start(date), date, event) for event, date in one.items()
                if event in two and period_start(date)), key=lambda f: (f[0], f[2]), default=None)


def update(conn: Connection) -> dict | None:
    """Recount what new documents touched (on an open transaction); None when a rebuild is needed."""
    stamp = generation(conn)
    if not conn.execute(select(S.kb_seen.c.key).where(S.kb_seen.c.kind == "item").limit(1)).first():
        return None
    merges = _merges(conn)
    new_items = None if merges is None else _new_items(conn)
    new_docs = None if new_items is None else _new_documents(conn)
    changed = None if new_docs is None else _changed_summaries(conn)
    if changed is None:
        return None
    recounted_documents, renamed, changed_events, redated = changed
    new_entities = {kb for _, kb, kind in new_items if kind == "entity"}
    changed_docs = set(new_docs) | _documents_of(conn, [item for item, _, _ in new_items] + list(merges.items))
    related, subjects = _claimed(conn, changed_docs)
    subjects |= merges.into["entity"]
    members = memberships(conn, subjects)  # theirs, all of them
    joined = _with_new_memberships(conn, members)
    events = ({kb for _, kb, kind in new_items if kind != "entity"} | changed_events | merges.gone["event"]
              | merges.into["event"] | merges.split | _told_with(conn, joined | merges.into["entity"]))
    stored_events = conn.execute(select(func.count()).select_from(_V)).scalar()
    if len(events) > max(SMALL_STORE, MOST * stored_events):
        return _rebuild(f"the change touches {len(events)} of {stored_events} kb events")
    participations = list(_participations(conn, events))
    documents = changed_docs | {d for _, rows in participations for r in rows for d in (r[4], r[9]) if d}
    counter = Counter(conn, Scope(events=events, documents=documents, pairs=related))
    counter.relations()
    counter.rel = {}
    for event, rows in participations:
        counter.event(event, rows)
    del participations

    # what shows an entity merged away goes; what names a renamed one shows its new name
    ties, gone = S.kb_ties, sorted(merges.gone["entity"])
    changed_pairs = set(related)
    for batch in chunks(gone, IN_CHUNK):
        for end in (ties.c.lo, ties.c.hi):
            where = and_(ties.c.kind != "co_presence", among(conn, end, batch))
            changed_pairs.update(tuple(r) for r in conn.execute(select(ties.c.lo, ties.c.hi).where(where)))
            conn.execute(delete(ties).where(where))
        conn.execute(delete(S.kb_timelines).where(among(conn, S.kb_timelines.c.entity, batch)))
    timelines.rename(conn, renamed)
    firsts = S.kb_firsts
    redo = set()  # (level, lo, hi) whose first meeting was at an event merged away, split or redated
    for batch in chunks(sorted(merges.gone["event"] | merges.split | redated), IN_CHUNK):
        redo.update(tuple(r) for r in conn.execute(select(firsts.c.level, firsts.c.lo, firsts.c.hi)
                                                   .where(among(conn, firsts.c.event, batch))))
        conn.execute(delete(firsts).where(among(conn, firsts.c.event, batch)))
    for batch in chunks(sorted(merges.gone["entity"] | merges.into["entity"]), IN_CHUNK):
        for end in (firsts.c.lo, firsts.c.hi):  # every event of theirs is recounted: counted anew
            conn.execute(delete(firsts).where(firsts.c.level == "all", among(conn, end, batch)))

    # ties: the relation ties of the pairs new claims relate, the co-presences at the events
    delete_at(conn, (ties.c.lo, ties.c.hi), related, where="kind <> 'co_presence'")
    present = set()
    for batch in chunks(sorted(events), IN_CHUNK):
        present.update(conn.execute(select(S.kb_presence.c.entity)
                                    .where(among(conn, S.kb_presence.c.event, batch))).scalars())
        conn.execute(delete(S.kb_presence).where(among(conn, S.kb_presence.c.event, batch)))
    for lo_batch in chunks(sorted(present), IN_CHUNK):
        for batch in chunks(sorted(events), IN_CHUNK):
            where = and_(among(conn, ties.c.lo, lo_batch), ties.c.kind == "co_presence",
                         among(conn, ties.c.event, batch))
            changed_pairs.update(tuple(r) for r in conn.execute(select(ties.c.lo, ties.c.hi).where(where)))
            conn.execute(delete(ties).where(where))
    insert_tuples(conn, ties, TIE_COLUMNS, sorted(counter.ties, key=lambda t: (t[0], t[1])))
    insert_tuples(conn, S.kb_presence, PRESENCE_COLUMNS, sorted(counter.presence))

    # the pairs whose ties changed: their kb_links rows, from all their ties
    changed_pairs.update((t[0], t[1]) for t in counter.ties)
    tie_columns, links = [ties.c[c] for c in TIE_COLUMNS], S.kb_links
    delete_at(conn, (links.c.node, links.c.other), [p for lo, hi in changed_pairs for p in ((lo, hi), (hi, lo))])
    counter.know(conn, {kb for pair in changed_pairs for kb in pair})
    for batch in chunks(sorted(changed_pairs), LINK_BATCH):  # a pair's link counts all its ties: a batch at a time
        pair_ties = [tuple(r) for r in rows_at(conn, tie_columns, (ties.c.lo, ties.c.hi), batch)]
        insert_tuples(conn, S.kb_links, LINK_COLUMNS, sorted(_links(pair_ties, counter.entities)))
    if recounted_documents:  # what a link shows of its other end: one statement for them all
        neighbours = select(links.c.other).where(links.c.node == bindparam("kb"))  # by node: indexed
        conn.execute(sql_update(links).where(links.c.node.in_(neighbours), links.c.other == bindparam("kb"))
                     .values(other_documents=bindparam("documents")),
                     [{"kb": kb, "documents": documents} for kb, documents in recounted_documents.items()])

    # first meetings: kept by minimum (the stored ones read by key, a batch a statement, written in two statements),
    # but those that were at an event merged away, read again from the presences now counted
    for level, lo, hi in redo:
        if level == "all" and (lo in merges.gone["entity"] | merges.into["entity"]
                               or hi in merges.gone["entity"] | merges.into["entity"]):
            continue  # every event of theirs was counted anew above
        counter.firsts.pop((level, lo, hi), None)
        first = _first_meeting(conn, lo, hi) if level == "all" else _org_first_meeting(conn, lo, hi)
        if first:
            counter.firsts[(level, lo, hi)] = first
    stored = {(r.level, r.lo, r.hi): (r.start, r.event) for r in rows_at(
        conn, [firsts.c.level, firsts.c.lo, firsts.c.hi, firsts.c.start, firsts.c.event],
        (firsts.c.level, firsts.c.lo, firsts.c.hi), counter.firsts)}
    new, earlier = [], []
    for key, (start, date, event) in sorted(counter.firsts.items()):
        if key not in stored:
            new.append(key + (start, date, event))
        elif (start, event) < stored[key]:
            earlier.append({"k_level": key[0], "k_lo": key[1], "k_hi": key[2], "start": start, "date": date,
                            "event": event})
    insert_tuples(conn, firsts, FIRST_COLUMNS, new)
    if earlier:
        conn.execute(sql_update(firsts).where(firsts.c.level == bindparam("k_level"),
                                              firsts.c.lo == bindparam("k_lo"), firsts.c.hi == bindparam("k_hi")),
                     earlier)

    # timelines of the entities at those events, their new rows put in place
    counter.timelines.merge(conn, events)

    _record(conn, [(item, kb) for item, kb, _ in new_items] + list(merges.items.items()), new_docs,
            new_entities | set(recounted_documents) | merges.gone["entity"], events, members,
            subjects | merges.gone["entity"])
    counts = {name: conn.execute(select(func.count()).select_from(table)).scalar() for name, table in (
        ("ties", S.kb_ties), ("links", S.kb_links), ("presence", S.kb_presence), ("firsts", S.kb_firsts),
        ("timeline", S.kb_timelines))}
    counts["recounted_events"] = len(events)
    counts.update(renamed=len(renamed), joined=len(joined),
                  merged=len(merges.gone["entity"]) + len(merges.gone["event"]), split=len(merges.split))
    mark_built(conn, counts, stamp)
    return counts


def _record(conn: Connection, items: list[tuple[str, str]], new_docs: list[str], entities: set[str],
            events: set[str], members: dict[str, set[str]], subjects: set[str]) -> None:
    """Bring ``kb_seen`` up to date after an update: the items' kb ids, the new documents, the values of
    ``entities`` and ``events``, and the memberships of ``subjects`` (``members``, all of theirs)."""
    seen = S.kb_seen
    for kind, keys in (("entity", entities), ("event", events)):
        for batch in chunks(sorted(keys), IN_CHUNK):
            conn.execute(delete(seen).where(seen.c.kind == kind, among(conn, seen.c.key, batch)))
        _record_values(conn, kind, keys)
    _record_values(conn, "document", new_docs)
    for batch in chunks(sorted(dict(items)), IN_CHUNK):
        conn.execute(delete(seen).where(seen.c.kind == "item", among(conn, seen.c.key, batch)))
    for batch in chunks(sorted(subjects), 100):
        conn.execute(delete(seen).where(seen.c.kind == "member", or_(
            *(seen.c.key.startswith(a + SEP, autoescape=True) for a in batch))))
    insert_tuples(conn, seen, ("kind", "key", "value"), [("item", item, kb) for item, kb in items]
                  + [("member", key, None) for key in sorted(_member_keys(members))])
