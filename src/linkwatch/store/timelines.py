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

from collections import defaultdict

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from linkwatch.store import schema as S
from linkwatch.store.db import chunks, insert_tuples
from linkwatch.store.edges import CO_PRESENCE_ROLES, date_key

COLUMNS = ("entity", "rank", "event", "date", "sources", "record", "claims")


def order_key(event: str, info: dict) -> tuple:
    """An event's place in a timeline: dated first, by start (coarser first), type, place; then undated."""
    if info["date"]:
        return (0, date_key(info["date"])[0], info["type"] or "", info["place"] or "", event)
    return (1, "", info["type"] or "", info["place"] or "", event)


class Timelines:
    """Collects timeline rows event by event (``add``), then writes them ranked (``write``)."""

    def __init__(self, conn: Connection, members: dict[str, set[str]], source) -> None:
        self.source = source
        self.names = {r.kb_id: {"id": r.kb_id, "name": r.name, "type": r.type} for r in conn.execute(
            select(S.kb_entities.c.kb_id, S.kb_entities.c.name, S.kb_entities.c.type))}
        self.events = {}
        for r in conn.execute(select(S.kb_events.c.kb_id, S.kb_events.c.type, S.kb_events.c.name,
                                     S.kb_events.c.time_value, S.kb_events.c.time_conflict,
                                     S.kb_events.c.location_kb)):
            place = self.names.get(r.location_kb) if r.location_kb else None
            self.events[r.kb_id] = {"type": r.type, "name": r.name, "date": r.time_value,
                                    "date_conflict": r.time_conflict or None,
                                    "place": place["name"] if place else None}
        persons = {kb for kb, e in self.names.items() if e["type"] == "person"}
        self.members = {kb: orgs for kb, orgs in members.items() if kb in persons and orgs}
        # document → the people (with organisations) it has a record of
        self.people_in: dict[str, set[str]] = defaultdict(set)
        stmt = (select(S.records.c.document_id, S.clusters.c.kb_id)
                .select_from(S.clusters.join(S.records, S.records.c.id == S.clusters.c.item_id))
                .where(S.clusters.c.kind == "entity"))
        for document_id, kb in conn.execute(stmt):
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
        """Replace the rows at ``events`` of the entities collected, keeping their other rows, re-ranked
        (read and deleted a batch of entities at a time, inserted in one statement)."""
        t = S.kb_timeline
        kept: dict[str, list] = defaultdict(list)
        for batch in chunks(sorted(self.rows), 500):
            for r in conn.execute(select(t.c.entity, t.c.event, t.c.date, t.c.sources, t.c.record, t.c.claims)
                                  .where(t.c.entity.in_(batch))):
                if r.event not in events:
                    kept[r.entity].append((order_key(r.event, r.record), r.event, r.date, r.sources, r.record,
                                           r.claims))
            conn.execute(delete(t).where(t.c.entity.in_(batch)))

        def ranked():
            for who in sorted(self.rows):
                rows = kept.pop(who, [])
                for _, event, info, claims, via, cast in self.rows[who]:
                    sources, record, ids = self._record(who, event, info, claims, via, cast)
                    rows.append((order_key(event, info), event, info["date"], sources, record, ids))
                rows.sort(key=lambda row: row[0])
                yield from ((who, rank, *row[1:]) for rank, row in enumerate(rows))

        insert_tuples(conn, t, COLUMNS, ranked())

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
