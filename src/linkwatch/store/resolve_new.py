"""Incremental resolution: the records and events stored since the last resolution, against the clusters.

The whole-store resolution (``store.resolution``) reads every record; this
one reads the new items and, through indexed look-ups, the stored items they
could be the same as, so its working set grows with the new documents and
their neighbourhood, not with the store:

* **Candidates**: a new record's name keys are looked up in ``block_keys``
  (a key held by more than ``MAX_BLOCK`` stored records is compared only on
  ``WINDOW`` of them, and only for whole-name keys, as the whole-store pass
  does); a new event's candidates are the stored events naming one of its
  parties (or a member of one of its organisations, or an organisation one of
  its people belongs to), held at its place, or in its country and month; a
  block over ``MAX_BLOCK`` keeps the new events' years (and at most
  ``MAX_UNDATED`` undated events).
* **Scoring, a group of blocks at a time**: a new event's stored candidates
  are read and scored a group of blocks at a time (``GROUP`` events), and only
  each new item's best link to a stored cluster is kept; the step holds the
  blocks' ids, one group's events and the links, not its whole neighbourhood.
* **Clustering**: each stored cluster a new item links to stands in as one
  item (``kb:<id>``) carrying its cluster's state (an event cluster's dates
  and places), so the rules are those of the whole-store pass: the
  same scores and thresholds, strongest link first, never two items of one
  document together (two stored clusters are checked in the database),
  analyst "not same" judgements obeyed.
* **Ids**: a new item joining a stored cluster takes its kb id; two stored
  clusters joined through new items keep the id of the one anchored in the
  reference data, else of the larger, and the other's items move to it.

What it cannot do, it declines (returns None) and the caller runs the
whole-store pass: no whole-store resolution has recorded blocking keys yet,
or an item was removed (a replaced document). Stored clusters are never split
or re-linked among themselves: a link that only a new merge of entities would
justify between two stored events waits for the next whole-store pass
(``linkwatch resolve``, and every merge, split or undo).
"""
from __future__ import annotations

import json
import logging
from collections import Counter, defaultdict
from itertools import chain
from typing import Iterable, Iterator

from sqlalchemy import Text, cast, exists, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from linkwatch.resolve.entities import MAX_BLOCK as NAME_BLOCK, RULE as ENTITY_RULE, SPELLING_VARIANT, WINDOW, \
    EntityRecord, combine_names, link_score as entity_score, name_state, names_compatible, \
    scored_links as entity_links, spelling_variants
from linkwatch.resolve.events import CONFLICT_RULE, MAX_BLOCK as EVENT_BLOCK, MAX_UNDATED, RULE as EVENT_RULE, \
    EventRecord, blocking_keys as event_blocking_keys, combine_states, event_state, family, \
    link_score as event_score, party_weight, party_weights, scored_links as event_links, states_compatible, \
    states_tolerant
from linkwatch.resolve.graph import Clusterer
from linkwatch.store import schema as S
from linkwatch.store.db import among, chunks, first_rows, insert_tuples, now, rows_in, writing
from linkwatch.store.edges import touch
from linkwatch.store.items import (EVENT_COLUMNS, PARTY_ROLES, RECORD_COLUMNS, SEP, Known, _in, entity_keys,
                                   entity_records, event_keys, event_records, kb_ids, key_text, write_keys)
from linkwatch.store.kb_ids import fresh_id, kept_id
from linkwatch.store.summaries import write_entity_summaries, write_event_summaries

log = logging.getLogger(__name__)

PER_CLUSTER = 8  # stored records of one cluster a new record is compared with, a key (its best link counts)
IN_LIMIT = 500  # an organisation's block holds its members' events when it has fewer members
EVENT_CHUNK = 1024  # new events resolved and written together; more are resolved in parts, each meeting the
# earlier parts as stored, so a step's neighbourhood is bounded however many events it brings (a part
# re-reads what its neighbourhood shares with the previous part's: 128 a part doubled a step's time
# after 11,000 documents, for 22 % less memory at its peak)
GROUP = 2048  # stored candidate events read and scored at once (the blocks of a step, a group at a time)
REOPEN_LIMIT = 2000  # stored events re-resolved at most after a merge of entities
READY = "resolution"  # the kb_aggregates row a whole-store resolution writes once block_keys is filled
NODE = "kb:"


def node(kb: str) -> str:
    return NODE + kb


def mark_ready(conn: Connection) -> None:
    """Record (on the whole-store resolution's transaction) that ``block_keys`` holds every item's keys."""
    conn.execute(S.kb_aggregates.delete().where(S.kb_aggregates.c.name == READY))
    conn.execute(insert(S.kb_aggregates).values(name=READY, built_at=now(), generation=None))


def _ready(conn: Connection) -> bool:
    return conn.execute(select(S.kb_aggregates.c.name).where(S.kb_aggregates.c.name == READY)).first() is not None


def _item_removed(conn: Connection) -> bool:
    """True when a clustered item is no longer stored (a replaced document): clusters may have to split."""
    c = S.clusters
    for kind, table in (("entity", S.records), ("event", S.events)):
        gone = select(c.c.item_id).where(c.c.kind == kind, ~c.c.item_id.like("ref:%"),
                                         ~exists().where(table.c.id == c.c.item_id)).limit(1)
        if conn.execute(gone).first():
            return True
    return False


def _unclustered(conn: Connection, table, columns) -> list:
    c = S.clusters
    return conn.execute(select(*columns).where(~exists().where(c.c.item_id == table.c.id))).all()


def resolve_new(engine: Engine) -> dict | None:
    """Resolve the unclustered records and events against the stored clusters, in one transaction;
    returns counts, or None when only a whole-store resolution can do it."""
    with writing(engine, "resolve new items") as conn:
        if not _ready(conn) or _item_removed(conn):
            return None
        records = _unclustered(conn, S.records, RECORD_COLUMNS)
        entity_merges, moved = _EntityStep(conn, records).run() if records else (0, {})
        del records
        events = _unclustered(conn, S.events, EVENT_COLUMNS)
        previous = _reopen(conn, set(moved.values())) if moved else {}
        if previous:
            events += _in(conn, select(*EVENT_COLUMNS), S.events.c.id, previous)
        event_merges = 0
        for i, part in enumerate(_by_document(events, EVENT_CHUNK, first=set(previous))):
            event_merges += _EventStep(conn, part, previous if i == 0 else {}).run()
        if moved:  # places of stored events renamed by an entity merge
            for old, new in moved.items():
                conn.execute(update(S.kb_events).where(S.kb_events.c.location_kb == old).values(location_kb=new))
        touch(conn)  # clusters changed: the analysis aggregates are stale until refresh_edges
        counts = {"entities": conn.execute(select(func.count()).select_from(S.kb_entities)).scalar(),
                  "events": conn.execute(select(func.count()).select_from(S.kb_events)).scalar(),
                  "entity_merges": entity_merges, "event_merges": event_merges, "resolution": "incremental"}
    log.info("incremental resolution: %s", counts)
    return counts


def _by_document(rows: list, size: int, first: set[str] = frozenset()) -> Iterator[list]:
    """``rows`` (events) in parts of about ``size``, a document's events in one part (only new items carry
    their document into the clustering, so two events of one document must meet there); the rows whose id
    is in ``first`` (events re-resolved after a merge of entities: the first part keeps their former ids)
    all in the first part."""
    part = [row for row in rows if row.id in first]
    by_doc: dict[str, list] = defaultdict(list)
    for row in rows:
        if row.id not in first:
            by_doc[row.document_id].append(row)
    for doc_rows in by_doc.values():
        if len(part) >= size:
            yield part
            part = []
        part.extend(doc_rows)
    if part:
        yield part


class _InUse:
    """``kb in taken``: taken in this step, or the id of a stored cluster. The ids ``likely`` to be asked
    are looked up together (one query a batch); any other, when asked (one indexed read)."""

    def __init__(self, conn: Connection, taken: set[str], likely: Iterable[str] = ()) -> None:
        self.conn, self.taken = conn, taken
        self.asked = set(likely)
        self.stored = {kb for kb, in _in(conn, select(S.clusters.c.kb_id).distinct(), S.clusters.c.kb_id, self.asked)} \
            if self.asked else set()

    def __contains__(self, kb: str) -> bool:
        if kb in self.taken:
            return True
        if kb in self.asked:
            return kb in self.stored
        return self.conn.execute(
            select(S.clusters.c.item_id).where(S.clusters.c.kb_id == kb).limit(1)).first() is not None


def _reopen(conn: Connection, parties: set[str]) -> dict[str, str]:
    """Take the stored event clusters naming one of ``parties`` (entities just merged) out of ``clusters``,
    to be resolved again with the new events: a merge of two names can make two stored reports one
    happening. Returns their items' former kb ids; nothing when they are over ``REOPEN_LIMIT`` events
    (the next whole-store pass links them)."""
    c, k, e = S.claims, S.clusters, S.events
    events = {i for i, in _in(conn, select(c.c.subject).select_from(c.join(k, k.c.item_id == c.c.object))
                               .where(c.c.kind == "participation", c.c.predicate.in_(PARTY_ROLES)),
                               k.c.kb_id, parties)}
    events |= {i for i, in _in(conn, select(e.c.id).select_from(e.join(k, k.c.item_id == e.c.organizer_record)),
                               k.c.kb_id, parties)}
    kbs = set(kb_ids(conn, events).values())
    previous = dict(_in(conn, select(k.c.item_id, k.c.kb_id).where(k.c.kind == "event"), k.c.kb_id, kbs))
    if len(previous) > REOPEN_LIMIT:
        log.info("%d stored events name entities merged now: left to the next whole-store resolution", len(previous))
        return {}
    j, b = S.judgements, S.block_keys
    for batch in chunks(sorted(previous), 500):
        conn.execute(k.delete().where(among(conn, k.c.item_id, batch)))
        conn.execute(b.delete().where(b.c.kind == "event", among(conn, b.c.item_id, batch)))
        for column in (j.c.left_id, j.c.right_id):
            conn.execute(j.delete().where(j.c.kind == "event", j.c.source == "rule", among(conn, column, batch)))
    return previous


class _Step:
    """What the entity and event steps share: stored clusters as items, their documents, the ids."""

    kind = ""
    prefix = ""
    table = None

    def __init__(self, conn: Connection, previous: dict[str, str] | None = None) -> None:
        self.conn = conn
        self.previous = previous or {}     # a re-resolved item → the kb id it had
        self.kb_of: dict[str, str] = {}   # stored candidate item → its kb id
        self.via: dict[tuple, tuple] = {}  # (new item, kb node) → (score, the stored item of the best link)
        self._apart_cache: dict[tuple, bool] = {}

    def clusterer(self, **kwargs) -> Clusterer:
        return Clusterer(separate=self._separate, **kwargs)

    def _separate(self, a_items, b_items) -> bool:
        """Two stored clusters (items ``kb:<id>``) on either side: do they share a document?"""
        ka = sorted(i[len(NODE):] for i in a_items if i.startswith(NODE))
        kb = sorted(i[len(NODE):] for i in b_items if i.startswith(NODE))
        if not ka or not kb:
            return False
        key = (tuple(ka), tuple(kb))
        if key not in self._apart_cache:
            t, c1, c2 = self.table, S.clusters.alias("c1"), S.clusters.alias("c2")
            t1, t2 = t.alias("t1"), t.alias("t2")
            stmt = (select(t1.c.id).select_from(
                t1.join(c1, c1.c.item_id == t1.c.id).join(t2, t2.c.document_id == t1.c.document_id)
                .join(c2, c2.c.item_id == t2.c.id))
                .where(among(self.conn, c1.c.kb_id, ka), among(self.conn, c2.c.kb_id, kb)).limit(1))
            self._apart_cache[key] = self.conn.execute(stmt).first() is not None
        return self._apart_cache[key]

    def best(self, new_id: str, stored: str, score: float) -> None:
        pair = (new_id, node(self.kb_of[stored]))
        if _better(score, stored, self.via.get(pair)):
            self.via[pair] = (score, stored)

    def analyst_apart(self, clusters: Clusterer, new_ids: set) -> None:
        """Analyst "not same" judgements between items present here (new items or stored clusters)."""
        j = S.judgements
        rows = self.conn.execute(select(j.c.left_id, j.c.right_id).where(
            j.c.kind == self.kind, j.c.source == "analyst", j.c.judgement == "not_same",
            j.c.retracted_at.is_(None))).all()
        if not rows:
            return
        kb_of = kb_ids(self.conn, [x for r in rows for x in r])

        def present(item):
            if item in new_ids:
                return item
            kb = kb_of.get(item, item)
            return node(kb) if node(kb) in clusters.parent else None

        for left, right in rows:
            a, b = present(left), present(right)
            if a and b:
                clusters.keep_apart(a, b)

    def sizes(self, kbs: list[str]) -> dict[str, int]:
        c = S.clusters
        return dict(_in(self.conn, select(c.c.kb_id, func.count()).where(c.c.kind == self.kind)
                        .group_by(c.c.kb_id), c.c.kb_id, kbs))

    def assign(self, clusters: Clusterer, anchored: set[str] = frozenset()) -> tuple[dict, dict]:
        """New item → kb id, and stored kb id → the kb id it merged into; written to ``clusters``."""
        groups = [g for g in clusters.groups() if any(not i.startswith(NODE) for i in g)]
        multi = [i[len(NODE):] for g in groups if sum(i.startswith(NODE) for i in g) > 1 for i in g
                 if i.startswith(NODE)]
        size = self.sizes(multi) if multi else {}
        new_kb, moved = {}, {}
        taken: set[str] = set()
        in_use = _InUse(self.conn, taken, likely=[fresh_id(items, self.prefix, ()) for items in groups
                                                  if not any(i.startswith(NODE) for i in items)])
        for items in groups:
            olds = sorted(i[len(NODE):] for i in items if i.startswith(NODE))
            new = [i for i in items if not i.startswith(NODE)]
            refs = sorted({i[4:] for i in new if i.startswith("ref:")} | (set(olds) & anchored))
            if refs:
                keep = refs[0]
            elif olds:
                keep = min(olds, key=lambda kb: (-size.get(kb, 0), kb))
            else:  # a re-resolved cluster keeps the id most of its items had, if no other took it
                keep = kept_id(new, self.previous, taken) or fresh_id(new, self.prefix, in_use)
            taken.add(keep)
            for item in new:
                new_kb[item] = keep
            for old in olds:
                if old != keep:
                    moved[old] = keep
        c = S.clusters
        for old, keep in moved.items():
            self.conn.execute(update(c).where(c.c.kb_id == old, c.c.kind == self.kind).values(kb_id=keep))
        if new_kb:
            insert_tuples(self.conn, c, ("item_id", "kind", "kb_id"), ((i, self.kind, k) for i, k in new_kb.items()))
        return new_kb, moved

    def judgements(self, clusters: Clusterer) -> int:
        """The rule links accepted, as judgements (a stored cluster's side: its item of the best link)."""
        rows, stamp = [], now()
        for a, b, why in clusters.accepted:
            if why in ("analyst", "reference"):
                continue
            if b.startswith(NODE):
                b = self.via[(a, b)][1]
            rows.append(dict(kind=self.kind, left_id=min(a, b), right_id=max(a, b), judgement="same",
                             source="rule", rule=str(why), score=None, created_at=stamp))
        if rows:
            self.conn.execute(S.judgements.insert(), rows)
        return len(rows)


class _EntityStep(_Step):
    kind, prefix, table = "entity", "lw-e", S.records

    def __init__(self, conn: Connection, rows: list) -> None:
        super().__init__(conn)
        self.records = entity_records(conn, rows)

    def _name_states(self, kbs: list[str]) -> dict[str, frozenset]:
        """Kb id → the full names its people's records give (``resolve.entities.name_state``), read as the
        distinct names and aliases of its records."""
        r, c = S.records, S.clusters
        out: dict[str, frozenset] = {}
        stmt = (select(c.c.kb_id, r.c.name, cast(r.c.aliases, Text)).select_from(c.join(r, r.c.id == c.c.item_id))
                .where(r.c.type == "person").distinct())
        for kb, name, aliases in _in(self.conn, stmt, c.c.kb_id, kbs):
            record = EntityRecord(id="", document="", type="person", name=name,
                                  aliases=tuple(json.loads(aliases) or ()) if aliases else ())
            out[kb] = combine_names(out.get(kb), name_state(record))
        return out

    def _candidates(self) -> dict[str, list[str]]:
        """Key text → the stored records holding it that the whole-store pass would compare, at most
        ``PER_CLUSTER`` of a stored cluster (the first by id; their kb ids in ``kb_of``): read streamed,
        a record kept only while its cluster has fewer."""
        keys_of = {r.id: sorted({key_text(k) for k in entity_keys(r)}) for r in self.records}  # in a fixed order:
        # of two equally strong links, the first given wins
        new_count = Counter(k for keys in keys_of.values() for k in set(keys))
        b, c = S.block_keys, S.clusters
        size = dict(_in(self.conn, select(b.c.key, func.count()).where(b.c.kind == "entity").group_by(b.c.key),
                        b.c.key, new_count))
        small = [k for k, n in size.items() if n + new_count[k] <= NAME_BLOCK]
        members: dict[str, list] = defaultdict(list)
        held: Counter = Counter()  # (key, kb id) → records kept

        def keep(key: str, item: str, kb: str) -> None:
            if held[(key, kb)] < PER_CLUSTER:
                held[(key, kb)] += 1
                members[key].append(item)
                self.kb_of[item] = kb

        stmt = (select(b.c.key, b.c.item_id, c.c.kb_id).join_from(b, c, c.c.item_id == b.c.item_id)
                .where(b.c.kind == "entity").order_by(b.c.key, b.c.item_id))
        for key, item, kb in rows_in(self.conn, stmt, b.c.key, small):
            keep(key, item, kb)
        for key in size:
            if key not in members and key.split(SEP)[1] == "c":  # an oversized whole-name block: a window of it
                window = list(self.conn.execute(select(b.c.item_id).where(b.c.kind == "entity", b.c.key == key)
                                                .order_by(b.c.item_id).limit(WINDOW)).scalars())
                for item, kb in sorted(kb_ids(self.conn, window).items()):
                    keep(key, item, kb)
        self.keys_of = keys_of
        return members

    def run(self) -> tuple[int, dict]:
        members = self._candidates()
        refs = {f"ref:{x.ref_id}" for x in self.records if x.ref_id}
        ref_kb = kb_ids(self.conn, refs)
        stored_ids = {i for items in members.values() for i in items}
        r = S.records
        stored = {s.id: s for s in entity_records(self.conn, _in(self.conn, select(*RECORD_COLUMNS), r.c.id,
                                                                      stored_ids))}
        clusters = self.clusterer(compatible=names_compatible, combine=combine_names)
        for x in self.records:
            clusters.add(x.id, document=x.document, state=name_state(x))
        stored_kbs = sorted(set(self.kb_of.values()) | set(ref_kb.values()))
        states = self._name_states(stored_kbs)
        for kb in stored_kbs:
            clusters.add(node(kb), state=states.get(kb))
        new_ids = {x.id for x in self.records}
        self.analyst_apart(clusters, new_ids)
        for x in self.records:
            if x.ref_id:
                item = f"ref:{x.ref_id}"
                target = node(ref_kb[item]) if item in ref_kb else item
                clusters.add(target)
                clusters.link(target, x.id, force=True, why="reference")
        for a, b in spelling_variants(self.records):
            clusters.link(a, b, force=True, why=SPELLING_VARIANT)
        for x in self.records:
            seen = set()
            for key in self.keys_of[x.id]:
                for item in sorted(members.get(key, ())):
                    if item in seen or item not in stored or item not in self.kb_of:
                        continue
                    seen.add(item)
                    other = stored[item]
                    if other.type == x.type and other.document != x.document:
                        s = entity_score(x, other)
                        if s is not None:
                            self.best(x.id, item, s)
        cross = ((s, a, b, ENTITY_RULE) for (a, b), (s, _item) in self.via.items())
        clusters.link_all(chain(entity_links(self.records), cross))
        anchored = {kb for item, kb in kb_ids(self.conn, [f"ref:{kb}" for kb in set(self.kb_of.values())]).items()
                    if item == f"ref:{kb}"} | set(ref_kb.values())
        new_kb, moved = self.assign(clusters, anchored)
        merges = self.judgements(clusters)
        write_keys(self.conn, "entity", ((x.id, entity_keys(x)) for x in self.records))
        write_entity_summaries(self.conn, set(new_kb.values()) | set(moved))
        return merges, moved


class _EventStep(_Step):
    kind, prefix, table = "event", "lw-v", S.events

    def __init__(self, conn: Connection, rows: list, previous: dict[str, str]) -> None:
        super().__init__(conn, previous)
        self.known = Known()  # memberships and places' geo read so far
        self.records = event_records(conn, rows, self.known)
        self.holders: dict[tuple, list[EventRecord]] = defaultdict(list)  # blocking key → the new events holding it
        self.conflicts: dict[tuple, tuple] = {}  # (new event, kb node) → (score, stored event) of a conflict link

    def _members(self, source, where: tuple, group, wanted: dict, expand: dict | None = None) -> dict[str, set]:
        """Group value (a party's or a place's kb id, a country-and-month key) → the stored events the
        whole-store pass's block of it compares: all of them up to ``EVENT_BLOCK``; over that, each year of
        ``wanted[value]`` that holds at most ``EVENT_BLOCK`` (with at most ``MAX_UNDATED`` undated events).
        ``expand[value]``: the group values whose events the block holds besides its own (an organisation's
        block holds its members' events)."""
        e, conn = S.events, self.conn
        expand = {v: kbs for v, kbs in (expand or {}).items() if v in wanted and len(kbs) < IN_LIMIT}
        out: dict[str, set] = defaultdict(set)
        year = func.substr(e.c.time_value, 1, 4)
        # each block read up to one event over the limit: a bounded read, however many events the store holds
        first = first_rows(conn, select(e.c.id).select_from(source).where(*where).distinct(), group,
                           [v for v in wanted if v not in expand], EVENT_BLOCK + 1)
        for value in sorted(wanted):
            holds = sorted(expand.get(value, set()) | {value})
            stmt = select(e.c.id).select_from(source).where(*where, among(conn, group, holds)).distinct()
            ids = first[value] if value in first else list(conn.execute(stmt.limit(EVENT_BLOCK + 1)).scalars())
            if len(ids) <= EVENT_BLOCK:
                out[value].update(ids)
                continue
            undated = list(conn.execute(stmt.where(e.c.time_value.is_(None)).limit(MAX_UNDATED + 1)).scalars())
            extra = undated if len(undated) <= MAX_UNDATED else []
            for y in sorted(y for y in wanted[value] if y):
                ids = list(conn.execute(stmt.where(year == y).limit(EVENT_BLOCK + 1)).scalars())
                if len(ids) + len(extra) <= EVENT_BLOCK:
                    out[value].update(ids + extra)
        return out

    def _candidates(self) -> dict[tuple, set]:
        """Blocking key (``resolve.events.blocking_keys``) → the stored events it compares a new one with."""
        families: dict[tuple, set] = defaultdict(set)  # (kind, value) → families of the new events holding it
        years: dict[tuple, set] = defaultdict(set)     # (kind, value) → their years
        for x in self.records:
            for fam, kind, *value in event_blocking_keys(x):
                families[(kind, *value)].add(fam)
                years[(kind, *value)].add((x.time or "")[:4])
                self.holders[(fam, kind, *value)].append(x)
        parties = {v[1] for v in families if v[0] == "p"}
        # people who belong to one of those organisations: their events hold the organisation's key too
        c, subj, obj = S.claims, S.clusters.alias("subj"), S.clusters.alias("obj")
        orgs_of: dict[str, set] = defaultdict(set)
        for person, org in _in(self.conn, select(subj.c.kb_id, obj.c.kb_id).select_from(
                c.join(subj, subj.c.item_id == c.c.subject).join(obj, obj.c.item_id == c.c.object))
                .where(c.c.kind == "relation", c.c.predicate == "member_of"), obj.c.kb_id, parties):
            if person != org:
                orgs_of[person].add(org)
        members: dict[str, set] = defaultdict(set)
        for person, orgs in orgs_of.items():
            for org in orgs:
                members[org].add(person)
        k, e, b = S.clusters, S.events, S.block_keys
        by_party = self._members(c.join(k, k.c.item_id == c.c.object).join(e, e.c.id == c.c.subject),
                                 (c.c.kind == "participation", c.c.predicate.in_(PARTY_ROLES)), k.c.kb_id,
                                 {v[1]: ys for v, ys in years.items() if v[0] == "p"}, expand=members)
        by_place = self._members(e.join(k, k.c.item_id == e.c.location_record), (), k.c.kb_id,
                                 {v[1]: ys for v, ys in years.items() if v[0] == "l"})
        by_month = self._members(b.join(e, e.c.id == b.c.item_id), (b.c.kind == "event",), b.c.key,
                                 {key_text((fam, *v)): ys for v, ys in years.items() if v[0] == "c"
                                  for fam in families[v]})
        out: dict[tuple, set] = defaultdict(set)
        for (kind, *value), fams in families.items():
            for fam in fams:
                found = (by_party.get(value[0], set()) if kind == "p" else by_place.get(value[0], set())
                         if kind == "l" else by_month.get(key_text((fam, kind, *value)), set()))
                out[(fam, kind, *value)] |= found
        return out

    def run(self) -> int:
        blocks = self._candidates()
        weights = self._weights(self.records)
        for keys in _groups(blocks, GROUP):  # the candidates a group of blocks at a time, then forgotten
            self._score_group(keys, blocks, weights)
        # the stored clusters a new event links to, with their states (every member's time and place)
        linked = sorted({b[len(NODE):] for _, b in chain(self.via, self.conflicts)})
        c, e = S.clusters, S.events
        member_ids = [i for i, in _in(self.conn, select(c.c.item_id).where(c.c.kind == "event"), c.c.kb_id, linked)]
        members: dict[str, list[EventRecord]] = defaultdict(list)
        kb_of_member = kb_ids(self.conn, member_ids)
        for r in event_records(self.conn, _in(self.conn, select(*EVENT_COLUMNS), e.c.id, member_ids), self.known):
            members[kb_of_member[r.id]].append(r)
        clusters = self.clusterer(compatible=states_compatible, combine=combine_states)
        for x in self.records:
            clusters.add(x.id, document=x.document, state=event_state(x))
        for kb in linked:
            state = None
            for r in members[kb]:
                state = combine_states(state, event_state(r))
            clusters.add(node(kb), state=state)
        self.analyst_apart(clusters, {x.id for x in self.records})
        order = {x.id: i for i, x in enumerate(self.records)}  # links of equal scores: in the new events' order

        def ordered(pairs):
            return sorted(pairs, key=lambda pair: (order[pair[0][0]], pair[0][1]))

        new_links = list(event_links(self.records, weights=weights))
        cross = [(s, a, b, EVENT_RULE) for (a, b), (s, _item) in ordered(self.via.items())]
        clusters.link_all(chain((l for l in new_links if l[3] != CONFLICT_RULE), cross))
        conflict_links = [(s, a, b, CONFLICT_RULE) for (a, b), (s, _item) in ordered(self.conflicts.items())]
        for pair, (s, item) in self.conflicts.items():
            if _better(s, item, self.via.get(pair)):
                self.via[pair] = (s, item)
        clusters.link_all(chain((l for l in new_links if l[3] == CONFLICT_RULE), conflict_links),
                          compatible=states_tolerant)
        new_kb, moved = self.assign(clusters)
        merges = self.judgements(clusters)
        write_keys(self.conn, "event", ((x.id, event_keys(x)) for x in self.records))
        summaries: dict[str, list] = {old: [] for old in chain(moved, self.previous.values())}
        for x in self.records:
            summaries.setdefault(new_kb[x.id], []).append(x)
        for kb, evs in members.items():
            target = moved.get(kb, kb)
            if target in summaries:
                summaries[target].extend(evs)
        write_event_summaries(self.conn, summaries)
        return merges

    def _score_group(self, keys: list[tuple], blocks: dict[tuple, set], weights: dict[str, float]) -> None:
        """Score the new events holding ``keys`` against those blocks' stored events (read now), keeping each
        new event's best link to a stored cluster (``via``; ``conflicts`` for links of conflicting dates)."""
        ids = set().union(*(blocks[key] for key in keys))
        kb_of = kb_ids(self.conn, ids)
        stored = {r.id: r for r in event_records(self.conn, _in(self.conn, select(*EVENT_COLUMNS), S.events.c.id,
                                                                [i for i in ids if i in kb_of]), self.known)}
        self._weights(list(stored.values()), into=weights)
        for key in keys:
            fam = key[0]
            pairs = ((x, stored.get(item), item) for x in self.holders[key] for item in blocks[key])
            for x, other, item in pairs:
                if other is None or family(other.type) != fam or other.document == x.document:
                    continue
                link = event_score(x, other, weights=weights)
                if link is None:
                    continue
                self.kb_of[item] = kb_of[item]
                if link[1] != CONFLICT_RULE:
                    self.best(x.id, item, link[0])
                elif _better(link[0], item, self.conflicts.get((x.id, node(kb_of[item])))):
                    self.conflicts[(x.id, node(kb_of[item]))] = (link[0], item)

    def _weights(self, records: list[EventRecord], into: dict[str, float] | None = None) -> dict[str, float]:
        """Party weights counted over the store (every stored event naming the party, the new ones included),
        for the parties of ``records`` not in ``into`` yet (added to it)."""
        out = {} if into is None else into
        parties = {p for r in records for p in r.parties if p not in out}
        if not parties:
            return out
        c, k = S.claims, S.clusters
        counts = dict(_in(self.conn, select(k.c.kb_id, func.count(c.c.subject.distinct()))
                          .select_from(c.join(k, k.c.item_id == c.c.object))
                          .where(c.c.kind == "participation", c.c.predicate.in_(PARTY_ROLES)).group_by(k.c.kb_id),
                          k.c.kb_id, parties))
        local = party_weights(records)
        out.update({p: party_weight(counts[p]) if counts.get(p) else local[p] for p in parties})
        return out


def _better(score: float, item: str, held: tuple | None) -> bool:
    """Does a link of ``score`` through ``item`` beat ``held`` ((score, item)): a higher score, or an equal one
    through a smaller id (so the link kept does not depend on the order the candidates come in)."""
    return held is None or score > held[0] or (score == held[0] and item < held[1])


def _groups(blocks: dict[tuple, set], budget: int) -> Iterator[list[tuple]]:
    """The blocking keys (sorted) in groups whose blocks hold about ``budget`` stored events together."""
    group, size = [], 0
    for key in sorted(blocks):
        if group and size + len(blocks[key]) > budget:
            yield group
            group, size = [], 0
        group.append(key)
        size += len(blocks[key])
    if group:
        yield group
