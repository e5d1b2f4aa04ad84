"""Timeline rows, pre-counted: per entity and kb event, what ``analysis.timeline`` shows (``kb_timelines``).

Filled by ``store.edges.rebuild`` from the same pass over participation
claims that counts co-presences, so a timeline page is one indexed read
(``entity``, in ``position`` order, the first ``limit``) plus its quotes.
A row's ``position`` is its order key as bytes (``position``), so a new row
goes in at its place without moving the others: recounting an event deletes
its rows and inserts them again, whatever the length of the timelines. The rules are the timeline's
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

from collections import defaultdict

from sqlalchemy import bindparam, delete, select, update as sql_update
from sqlalchemy.engine import Connection

from linkwatch.store import schema as S
from linkwatch.store.db import among, chunks, delete_at, insert_tuples, rows_in
from linkwatch.store.edges import CO_PRESENCE_ROLES, date_key, entity_records

COLUMNS = ("entity", "position", "event", "date", "sources", "record", "claims")
_SEP = "\x00"  # below every other character: joined keys order as the tuples do


def order_key(event: str, info: dict) -> tuple:
    """An event's place in a timeline: dated first, by start (coarser first), type, place; then undated."""
    if info["date"]:
        return (0, date_key(info["date"])[0], info["type"] or "", info["place"] or "", event)
    return (1, "", info["type"] or "", info["place"] or "", event)


def position(key: tuple) -> bytes:
    """An order key as the bytes stored in ``position``: bytes compare as the keys do (UTF-8 keeps the
    order of code points; the separator sorts below any character), on SQLite and PostgreSQL alike."""
    return _SEP.join(str(part).replace(_SEP, "") for part in key).encode()


class Timelines:
    """Collects timeline rows event by event (``add``), then writes them (``write``, after a
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
        """Insert every entity's rows (in index order); returns the row count."""
        def rows():
            for who in sorted(self.rows):
                yield from self._new_rows(who)

        return insert_tuples(conn, S.kb_timelines, COLUMNS, rows())

    def merge(self, conn: Connection, events: set[str]) -> None:
        """Replace every stored row at ``events`` by the rows collected (an entity with none collected there
        loses its rows: a kb id merged away)."""
        t = S.kb_timelines
        for batch in chunks(sorted(events), 500):
            conn.execute(delete(t).where(among(conn, t.c.event, batch)))
        self.write(conn)

    def _new_rows(self, who: str) -> list[tuple]:
        """``who``'s rows collected, in order (``COLUMNS``)."""
        return [(who, position(key), event, info["date"], *self._record(who, event, info, claims, via, cast))
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


def rename(conn: Connection, names: dict[str, str]) -> int:
    """Show the new names of the renamed kb entities (``names``: kb id → name) in the stored rows that
    name them, as a count would: co-participants (``with``, sorted by name again), ``via``, and the
    place of the events located at one (which moves the row in its timeline: a new ``position``). Reads
    the rows at the events those entities are named at or located at (indexed), a batch of events at a
    time; returns how many rows changed."""
    t, ev, presence = S.kb_timelines, S.kb_events, S.kb_presence
    kbs = sorted(names)
    located = {event: names[kb] for batch in chunks(kbs, 500) for event, kb in conn.execute(
        select(ev.c.kb_id, ev.c.location_kb).where(among(conn, ev.c.location_kb, batch)))}
    events = set(located) | {event for batch in chunks(kbs, 500) for event in conn.execute(
        select(presence.c.event).where(among(conn, presence.c.entity, batch))).scalars()}
    changed = 0
    for batch in chunks(sorted(events), 500):
        same, moved = [], []
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
            at = position(order_key(r.event, record))
            if at == r.position:
                same.append({"k_who": r.entity, "k_at": r.position, "record": record})
            else:
                moved.append((r.entity, at, r.event, r.date, r.sources, record, r.claims))
        if same:
            conn.execute(sql_update(t).where(t.c.entity == bindparam("k_who"), t.c.position == bindparam("k_at"))
                         .values(record=bindparam("record")), same)
        if moved:
            delete_at(conn, (t.c.entity, t.c.event), [(row[0], row[2]) for row in moved])
            insert_tuples(conn, t, COLUMNS, sorted(moved, key=lambda row: row[:2]))
    return changed
