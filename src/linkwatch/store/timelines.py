"""Timeline rows, pre-counted: per entity and kb event, what ``analysis.timeline`` shows (``kb_timeline``).

Filled by ``store.edges.rebuild`` from the same pass over participation
claims that counts co-presences, so a timeline page is one indexed read
(``entity``, ``rank`` < limit) plus its quotes. The rules are the timeline's
(tested to agree with its claim-level path): an entity's events are those it
is named at (participant, organizer or location), each with every claim
naming it there; a person's also include the events of their organisations
(``member_of``, denials aside) told in the same documents, ``via`` the
organisation (the smallest kb id when several), unless the person is named
at that per-document event. Co-participants are every participant and
organizer of the kb event's clustered per-document events but the entity,
each with the role of its first claim (per-document event, then claim id),
sorted by name then id. Quotes follow the claims: the entity's own (by id),
then its organisations' (by id).
"""
from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections import defaultdict
from typing import Iterator

from sqlalchemy import bindparam, delete, func, select, update as sql_update
from sqlalchemy.engine import Connection

from linkwatch.store import schema as S
from linkwatch.store.db import among, chunks, insert_tuples, rows_in
from linkwatch.store.edges import CO_PRESENCE_ROLES, date_key, entity_records

COLUMNS = ("entity", "rank", "event", "date", "sources", "record", "claims")
SHORT = 200  # rows: a timeline this short is read whole and written again when new rows join it (one
# statement for a batch of them), a longer one makes room in place (``place``)
BATCH_ROWS = 500  # stored timeline rows read and written again at once
BISECT_COST = 16  # a query reading one row by rank, in rows read by a streamed one (order of magnitude)


def order_key(event: str, info: dict) -> tuple:
    """An event's place in a timeline: dated first, by start (coarser first), type, place; then undated."""
    if info["date"]:
        return (0, date_key(info["date"])[0], info["type"] or "", info["place"] or "", event)
    return (1, "", info["type"] or "", info["place"] or "", event)


class Timelines:
    """Collects timeline rows event by event (``add``), then writes them ranked (``write``, after a
    rebuild) or puts them in place among the stored rows (``merge``, after new documents)."""

    def __init__(self, conn: Connection, members: dict[str, set[str]], source, *, events: set[str] | None = None,
                 entities: set[str] | None = None, recorded: list[tuple[str, str]] | None = None) -> None:
        """``events``, ``entities``: the kb ids whose summaries to read (with the events' places);
        ``recorded``: (document, kb entity) of the documents whose people count; each None for all."""
        self.source = source
        self.events = {}
        places = {}
        ev = S.kb_events
        for r in rows_in(conn, select(ev.c.kb_id, ev.c.type, ev.c.name, ev.c.time_value, ev.c.time_conflict,
                                      ev.c.location_kb), ev.c.kb_id, events):
            places[r.kb_id] = r.location_kb
            self.events[r.kb_id] = {"type": r.type, "name": r.name, "date": r.time_value,
                                    "date_conflict": r.time_conflict or None}
        if entities is not None:
            entities = entities | {kb for kb in places.values() if kb}
        e = S.kb_entities
        self.names = {r.kb_id: {"id": r.kb_id, "name": r.name, "type": r.type} for r in rows_in(
            conn, select(e.c.kb_id, e.c.name, e.c.type), e.c.kb_id, entities)}
        for kb, info in self.events.items():
            place = self.names.get(places[kb]) if places[kb] else None
            info["place"] = place["name"] if place else None
        persons = {kb for kb, e in self.names.items() if e["type"] == "person"}
        self.members = {kb: orgs for kb, orgs in members.items() if kb in persons and orgs}
        # document → the people (with organisations) it has a record of
        self.people_in: dict[str, set[str]] = defaultdict(set)
        for document_id, kb in entity_records(conn) if recorded is None else recorded:
            if kb in self.members:
                self.people_in[document_id].add(kb)
        self.rows: dict[str, list] = defaultdict(list)

    def add(self, event: str, rows: list) -> None:
        """One kb event's participation claims (``edges._participations`` rows)."""
        own: dict[str, list] = defaultdict(list)
        named: dict[str, set[str]] = defaultdict(set)  # entity → the per-document events naming it
        cast: dict[str, str | None] = {}
        first: dict[str, tuple] = {}
        extra: dict[str, list] = defaultdict(list)  # person → [(claim, organisation)]
        for r in rows:
            who, predicate, item = r[0], r[1], r[6]
            claim = (r[5], r[4], predicate, r[8], r[2])  # id, document, predicate, role, modality
            own[who].append(claim)
            named[who].add(item)
            if predicate not in CO_PRESENCE_ROLES:
                continue
            if r[7]:  # a clustered per-document event: its participants are the event's cast
                key = (item, r[5])
                if who not in first or key < first[who]:
                    first[who], cast[who] = key, r[8]
            if r[10] == "organization":
                for person in self.people_in.get(r[9], ()):
                    if who in self.members[person]:
                        extra[person].append((claim, item, who))
        info = self.events.get(event) or {"type": None, "name": None, "date": None, "date_conflict": None,
                                          "place": None}
        for who in own.keys() | extra.keys():
            mine = sorted(own.get(who, ()))
            theirs = [(c, org) for c, item, org in extra.get(who, ()) if item not in named.get(who, ())]
            if not (mine or theirs):
                continue
            via = None if mine else min(org for _, org in theirs)
            claims = mine + sorted(c for c, _ in theirs)
            self.rows[who].append((order_key(event, info), event, info, claims, via, cast))

    def write(self, conn: Connection) -> int:
        """Rank each entity's rows and insert them; returns the row count."""
        def ranked():
            for who in sorted(self.rows):
                for rank, (_, event, info, claims, via, cast) in enumerate(sorted(self.rows[who])):
                    yield (who, rank, event, info["date"], *self._record(who, event, info, claims, via, cast))

        return insert_tuples(conn, S.kb_timeline, COLUMNS, ranked())

    def merge(self, conn: Connection, events: set[str]) -> None:
        """Put the rows collected into their entities' stored timelines, replacing every row stored at
        ``events`` (an entity with none collected there loses its rows: a kb id merged away). A short
        timeline is merged in memory with its new rows and written again; a long one makes room."""
        t = S.kb_timeline
        held: dict[str, list[int]] = defaultdict(list)  # entity → the ranks of its rows at events
        for who, rank in rows_in(conn, select(t.c.entity, t.c.rank), t.c.event, events):
            held[who].append(rank)
        entities = sorted(held.keys() | self.rows.keys())
        sizes = dict(rows_in(conn, select(t.c.entity, func.count()).group_by(t.c.entity), t.c.entity, entities))
        for batch in _batches([who for who in entities if sizes.get(who, 0) <= SHORT], sizes, BATCH_ROWS):
            stored: dict[str, list] = defaultdict(list)  # the batch's timelines, read whole (in rank order)
            for r in rows_in(conn, select(t).order_by(t.c.entity, t.c.rank), t.c.entity, batch):
                stored[r.entity].append(r)
            conn.execute(delete(t).where(among(conn, t.c.entity, batch)))
            rows = []
            for who in batch:
                removed = set(held.get(who, ()))
                kept = [(order_key(r.event, r.record), r.event, r.date, r.sources, r.record, r.claims)
                        for r in stored.pop(who, ()) if r.rank not in removed]
                rows += [(who, rank, *row[1:]) for rank, row in
                         enumerate(heapq.merge(kept, self._new_rows(who), key=lambda row: row[0]))]
            insert_tuples(conn, t, COLUMNS, rows)
        for who in entities:
            if sizes.get(who, 0) > SHORT:
                insert_tuples(conn, t, COLUMNS, place(conn, who, self._new_rows(who), sorted(held.get(who, ())),
                                                      stored=sizes[who]))

    def _new_rows(self, who: str) -> list[tuple]:
        """``who``'s rows collected, in order: (order key, event, date, sources, record, claims)."""
        return [(key, event, info["date"], *self._record(who, event, info, claims, via, cast))
                for key, event, info, claims, via, cast in sorted(self.rows.pop(who, ()))]

    def _ref(self, kb: str) -> dict:
        return dict(self.names.get(kb) or {"id": kb, "name": kb, "type": None})

    def _record(self, who: str, event: str, info: dict, claims: list, via: str | None, cast: dict) -> tuple:
        sources = len({self.source(c[1])[0] for c in claims})
        others = sorted((self._ref(k) | {"role": role} for k, role in cast.items() if k != who),
                        key=lambda e: (e["name"], e["id"]))
        record = {
            "event": event, "date": info["date"], "date_conflict": info["date_conflict"],
            "type": info["type"], "name": info["name"], "place": info["place"],
            "role": sorted({p if not role else f"{p}: {role}" for _, _, p, role, _ in claims}),
            "with": others,
            "via": self._ref(via) if via else None,
            "modality": sorted({m or "asserted" for *_, m in claims}),
            "sources": sources,
        }
        return sources, record, [c[0] for c in claims]


def _batches(entities: list[str], sizes: dict[str, int], budget: int) -> Iterator[list[str]]:
    """``entities`` in lists whose stored rows (``sizes``) add up to about ``budget`` (at most 500 a list)."""
    batch, rows = [], 0
    for who in entities:
        if batch and (rows + sizes.get(who, 0) > budget or len(batch) >= 500):
            yield batch
            batch, rows = [], 0
        batch.append(who)
        rows += sizes.get(who, 0)
    if batch:
        yield batch


def place(conn: Connection, who: str, new: list[tuple], removed: list[int], *,
          stored: int | None = None) -> list[tuple]:
    """Make room in ``who``'s stored timeline for ``new`` rows ((order key, event, date, sources, record,
    claims), sorted), removing its rows at the ranks ``removed`` (sorted); returns the new rows, ranked,
    to insert (``stored``: its row count, when the caller has it). A new row's place is found among the
    stored ranks (they are in order: ``_places``), and the rows after it shift down by stretches, in one
    statement."""
    t = S.kb_timeline
    if stored is None:
        stored = conn.execute(select(func.count()).where(t.c.entity == who)).scalar()
    places = _places(conn, who, [row[0] for row in new], stored)  # stored rows ordered before each
    for batch in chunks(removed, 500):
        conn.execute(delete(t).where(t.c.entity == who, among(conn, t.c.rank, batch)))
    # a stored row at rank r moves by the new rows before it less the removed rows before it
    bounds = sorted(set(places) | {r + 1 for r in removed} | {0})
    stretches = [{"b_who": who, "b_lo": lo, "b_hi": hi, "b_delta": delta}
                 for lo, hi in zip(bounds, bounds[1:] + [stored])
                 for delta in [bisect_right(places, lo) - bisect_left(removed, lo)] if delta and lo < hi]
    if stretches:  # to negative ranks first: no clash with rows not moved yet
        conn.execute(sql_update(t).where(t.c.entity == bindparam("b_who"), t.c.rank >= bindparam("b_lo"),
                                         t.c.rank < bindparam("b_hi"))
                     .values(rank=-(t.c.rank + bindparam("b_delta")) - 1), stretches)
        conn.execute(sql_update(t).where(t.c.entity == who, t.c.rank < 0).values(rank=-t.c.rank - 1))
    return [(who, at - bisect_left(removed, at) + i, *row[1:]) for i, (row, at) in enumerate(zip(new, places))]


def _places(conn: Connection, who: str, keys: list[tuple], stored: int) -> list[int]:
    """How many of ``who``'s ``stored`` rows order before each of ``keys`` (sorted): bisecting the ranks
    (they are in order) for a few keys, reading the timeline once, in order and streamed, for many."""
    t = S.kb_timeline
    if len(keys) * stored.bit_length() * BISECT_COST < stored:
        return [_bisect(conn, who, key, stored) for key in keys]
    places, before = [], 0
    for r in conn.execute(select(t.c.event, t.c.record).where(t.c.entity == who).order_by(t.c.rank),
                          execution_options={"yield_per": 1000}):
        key = order_key(r.event, r.record)
        while len(places) < len(keys) and keys[len(places)] <= key:
            places.append(before)
        before += 1
    return places + [before] * (len(keys) - len(places))


def _bisect(conn: Connection, who: str, key: tuple, stored: int) -> int:
    """How many of ``who``'s ``stored`` rows order before ``key`` (bisecting by rank)."""
    t = S.kb_timeline
    lo, hi = 0, stored
    while lo < hi:
        mid = (lo + hi) // 2
        r = conn.execute(select(t.c.event, t.c.record).where(t.c.entity == who, t.c.rank == mid)).one()
        if order_key(r.event, r.record) < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


def rename(conn: Connection, names: dict[str, str]) -> int:
    """Show the new names of the renamed kb entities (``names``: kb id → name) in the stored rows that
    name them, as a count would: co-participants (``with``, sorted by name again), ``via``, and the
    place of the events located at one (which can move the row in its timeline). Reads the rows at the
    events those entities are named at or located at (indexed); returns how many rows changed."""
    t, ev, presence = S.kb_timeline, S.kb_events, S.kb_presence
    kbs = sorted(names)
    located = {event: names[kb] for batch in chunks(kbs, 500) for event, kb in conn.execute(
        select(ev.c.kb_id, ev.c.location_kb).where(among(conn, ev.c.location_kb, batch)))}
    events = set(located) | {event for batch in chunks(kbs, 500) for event in conn.execute(
        select(presence.c.event).where(among(conn, presence.c.entity, batch))).scalars()}
    moved: dict[str, list] = defaultdict(list)
    changed = 0
    for batch in chunks(sorted(events), 500):
        for r in conn.execute(select(t).where(among(conn, t.c.event, batch))).all():
            record = dict(r.record)
            record["with"] = sorted(({**e, "name": names[e["id"]]} if e["id"] in names else e
                                     for e in record["with"]), key=lambda e: (e["name"], e["id"]))
            if record["via"] and record["via"]["id"] in names:
                record["via"] = {**record["via"], "name": names[record["via"]["id"]]}
            if r.event in located:
                record["place"] = located[r.event]
            if record == r.record:
                continue
            changed += 1
            key = order_key(r.event, record)
            if key == order_key(r.event, r.record):
                conn.execute(sql_update(t).where(t.c.entity == r.entity, t.c.rank == r.rank).values(record=record))
            else:
                moved[r.entity].append((key, r.event, r.date, r.sources, record, r.claims, r.rank))
    rows = []
    for who, new in sorted(moved.items()):
        new.sort()
        rows += place(conn, who, [row[:-1] for row in new], sorted(row[-1] for row in new))
    insert_tuples(conn, t, COLUMNS, rows)
    return changed
