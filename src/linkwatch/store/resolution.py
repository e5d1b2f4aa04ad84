"""Run resolution over the whole store: read records, write judgements, clusters and kb summaries.

The working set is one small tuple per record and event (ids, names, keys),
never the documents or their claims; everything is rewritten in one
transaction so readers never see half a resolution. Analyst judgements are
read and obeyed, never rewritten; rule judgements are replaced each run.
Kb ids stay put (``kb_ids_of``). It also records every item's blocking keys
(``block_keys``), from which later ingests resolve only what is new
(``store.resolve_new``); merge, split, undo and a replaced document come here.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from typing import Iterable

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from linkwatch.resolve.entities import SPELLING_VARIANT, EntityRecord, combine_names, context_key, name_state, \
    names_compatible, scored_links as entity_links, spelling_variants
from linkwatch.resolve.events import CONFLICT_RULE, EventRecord, Place, combine_states, event_state, \
    scored_links as event_links, states_compatible, states_tolerant
from linkwatch.resolve.graph import Clusterer
from linkwatch.store import schema
from linkwatch.store.db import chunks, now, reading, writing
from linkwatch.store.edges import touch
from linkwatch.store.kb_ids import kb_ids_of
from linkwatch.store.items import as_place, entity_keys, event_keys, write_keys
from linkwatch.store.resolve_new import mark_ready
from linkwatch.store.summaries import write_entity_summaries, write_event_summaries

log = logging.getLogger(__name__)
S = schema
EMPTY: frozenset = frozenset()


def _analyst(conn, kind: str):
    j = S.judgements
    return conn.execute(select(j.c.left_id, j.c.right_id, j.c.judgement)
                        .where(j.c.kind == kind, j.c.source == "analyst", j.c.retracted_at.is_(None))
                        .order_by(j.c.id)).all()


def resolve_store(engine: Engine) -> dict:
    """Resolve entities then events over everything stored; returns counts."""
    key_of: dict[str, str] = {}
    by_doc: dict[str, set] = defaultdict(set)
    with reading(engine, "read records for resolution") as conn:
        rec_rows = []
        for r in conn.execute(select(S.records.c.id, S.records.c.document_id, S.records.c.type, S.records.c.name,
                                     S.records.c.aliases, S.records.c.ref_id)):
            rec_rows.append(tuple(r))
            key_of[r.id] = key = context_key(r.type, r.name, r.ref_id)
            by_doc[r.document_id].add(key)
        member_rows = [tuple(r) for r in conn.execute(
            select(S.claims.c.subject, S.claims.c.object)
            .where(S.claims.c.kind == "relation", S.claims.c.predicate == "member_of"))]
        analyst_e = _analyst(conn, "entity")
        analyst_v = _analyst(conn, "event")
        previous = {kind: {} for kind in ("entity", "event")}
        for item, kind, kb in conn.execute(select(S.clusters.c.item_id, S.clusters.c.kind, S.clusters.c.kb_id)):
            previous[kind][item] = kb

    # ---- entities
    members: dict[str, set] = defaultdict(set)
    for subject, obj in member_rows:
        if obj in key_of:
            members[subject].add(key_of[obj])
    records = [EntityRecord(id=rid, document=doc, type=type_, name=name, aliases=tuple(aliases or ()), ref_id=ref,
                            context=frozenset(by_doc[doc] - {key_of[rid]}),
                            members=frozenset(members[rid]) if rid in members else EMPTY)
               for rid, doc, type_, name, aliases, ref in rec_rows]
    del rec_rows, key_of, members
    del by_doc
    ent = Clusterer(compatible=names_compatible, combine=combine_names)
    for r in records:
        ent.add(r.id, document=r.document, state=name_state(r))
    for r in records:
        if r.ref_id:
            ent.add(f"ref:{r.ref_id}")
            ent.link(f"ref:{r.ref_id}", r.id, force=True, why="reference")
    _apply_analyst(ent, analyst_e)
    for a, b in spelling_variants(records):
        ent.link(a, b, force=True, why=SPELLING_VARIANT)
    ent.link_all(entity_links(records))
    entity_kb = kb_ids_of(ent.groups(), previous["entity"], "lw-e")
    types = {r.id: r.type for r in records}
    rule_entity = [(a, b, why) for a, b, why in ent.accepted if why not in ("analyst", "reference")]
    entity_keys_of = [(r.id, entity_keys(r)) for r in records]
    del records

    # ---- events
    with reading(engine, "read events for resolution") as conn:
        ev_rows = conn.execute(select(S.events.c.id, S.events.c.document_id, S.events.c.type, S.events.c.time_value,
                                      S.events.c.location_record, S.events.c.organizer_record,
                                      S.events.c.name)).all()
        part_rows = [tuple(r) for r in conn.execute(
            select(S.claims.c.subject, S.claims.c.object)
            .where(S.claims.c.kind == "participation", S.claims.c.predicate.in_(("participant", "organizer"))))]
    event_records = _event_records(engine, ev_rows, part_rows, member_rows, entity_kb, types)
    del part_rows, member_rows
    evc = Clusterer(compatible=states_compatible, combine=combine_states)
    for r in event_records:
        evc.add(r.id, document=r.document, state=event_state(r))
    _apply_analyst(evc, analyst_v)
    links = list(event_links(event_records))
    evc.link_all(link for link in links if link[3] != CONFLICT_RULE)
    # near-dated reports that agree on everything else join last, keeping their dates as a conflict
    evc.link_all((link for link in links if link[3] == CONFLICT_RULE), compatible=states_tolerant)
    del links
    event_kb = kb_ids_of(evc.groups(), previous["event"], "lw-v")
    del previous
    rule_event = [(a, b, why) for a, b, why in evc.accepted if why != "analyst"]

    stamp = now()
    with writing(engine, "write resolution") as conn:
        j = S.judgements
        conn.execute(delete(j).where(j.c.source == "rule"))
        _insert(conn, j, (dict(kind=kind, left_id=min(a, b), right_id=max(a, b), judgement="same", source="rule",
                               rule=str(why), score=None, created_at=stamp)
                          for kind, links in (("entity", rule_entity), ("event", rule_event)) for a, b, why in links))
        conn.execute(delete(S.clusters))
        _insert(conn, S.clusters, (dict(item_id=i, kind=kind, kb_id=k)
                                   for kind, kb_of in (("entity", entity_kb), ("event", event_kb))
                                   for i, k in kb_of.items()))
        conn.execute(delete(S.block_keys))
        write_keys(conn, "entity", entity_keys_of)
        write_keys(conn, "event", ((r.id, event_keys(r)) for r in event_records))
        write_entity_summaries(conn)
        members: dict[str, list] = defaultdict(list)
        for r in event_records:
            members[event_kb[r.id]].append(r)
        write_event_summaries(conn, members, replace_all=True)
        mark_ready(conn)
        touch(conn)  # clusters changed: the analysis aggregates are stale until refresh_edges
    return {"entities": len(set(entity_kb.values())), "events": len(set(event_kb.values())),
            "entity_merges": len(rule_entity), "event_merges": len(rule_event)}


def _event_records(engine: Engine, ev_rows, part_rows, member_rows, entity_kb: dict, types: dict) -> list[EventRecord]:
    """One EventRecord per stored event: parties as kb ids, the place with its geo, the parties' memberships."""
    parties: dict[str, set] = defaultdict(set)
    for subject, obj in part_rows:
        if obj in entity_kb:
            parties[subject].add(entity_kb[obj])
    orgs_of: dict[str, set] = defaultdict(set)
    for subject, obj in member_rows:
        if subject in entity_kb and obj in entity_kb and entity_kb[subject] != entity_kb[obj] \
                and types.get(obj) != "location":  # office-holders stand for their state only loosely
            orgs_of[entity_kb[subject]].add(entity_kb[obj])
    places = _places({e.location_record for e in ev_rows if e.location_record}, engine, entity_kb)
    out = []
    for e in ev_rows:
        p = set(parties.get(e.id, ()))
        if e.organizer_record in entity_kb:
            p.add(entity_kb[e.organizer_record])
        out.append(EventRecord(id=e.id, document=e.document_id, type=e.type, time=e.time_value,
                               location=entity_kb.get(e.location_record), parties=frozenset(p), name=e.name,
                               place=places.get(e.location_record),
                               memberships=frozenset((x, org) for x in p for org in orgs_of.get(x, ()))))
    return out


def _places(wanted: set, engine: Engine, entity_kb: dict) -> dict[str, Place]:
    """Location record id → Place with the geo its report gave (else the geo of its kb place's record with
    the smallest id that has one: as ``store.items.place_geo`` reads it)."""
    geo_of: dict[str, dict] = {}
    kb_geo: dict[str, dict] = {}
    r = S.records
    with reading(engine, "read place geo") as conn:
        for rid, geo in conn.execute(select(r.c.id, r.c.geo).where(r.c.geo.is_not(None)).order_by(r.c.id)):
            if rid in wanted:
                geo_of[rid] = geo
            if rid in entity_kb:
                kb_geo.setdefault(entity_kb[rid], geo)
    return {rid: as_place(entity_kb[rid], geo_of.get(rid) or kb_geo.get(entity_kb[rid]))
            for rid in wanted if rid in entity_kb}


def _apply_analyst(clusterer: Clusterer, judgements) -> None:
    for left, right, judgement in judgements:
        clusterer.add(left)
        clusterer.add(right)
        if judgement == "not_same":
            clusterer.keep_apart(left, right)
    for left, right, judgement in judgements:
        if judgement == "same":
            clusterer.link(left, right, force=True, why="analyst")


def _insert(conn, table, rows: Iterable[dict], chunk: int = 5000) -> None:
    """Insert a stream of rows, ``chunk`` rows a statement (never the whole list in memory)."""
    for batch in chunks(rows, chunk):
        conn.execute(table.insert(), batch)
