"""Alerts on newly ingested documents: new organisation links, watchlist events, source conflicts.

Stateless: given the ids of the documents just written, a link is *new* when
no other document supports it (directly, or through members at a shared
event); a conflict is a disagreement between a new document and another.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations

from sqlalchemy import select

from linkwatch.analysis.hops import entity_ref
from linkwatch.analysis.newlinks import _presence, _sides, member_people
from linkwatch.analysis.filters import Filters
from linkwatch.analysis.source import (_claim_query, chunks, entity_rows, event_rows, items_of, kb_of,
                                       participation_rows_by_entity, relation_rows)
from linkwatch.analysis.views import HOP_PREDICATES
from linkwatch.store.schema import claims, events


def _support_docs(conn, side: set[str]) -> dict[str, set[str]]:
    """kb event → documents placing someone of ``side`` there."""
    mine = items_of(conn, side)
    rows = participation_rows_by_entity(conn, mine) if mine else []
    kb = kb_of(conn, {r.subject for r in rows})
    out: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        out[kb[r.subject]].add(r.document_id)
    return out


def _known_elsewhere(conn, x_side: set[str], y_side: set[str], new_docs: set[str]) -> bool:
    xs, ys = _support_docs(conn, x_side), _support_docs(conn, y_side)
    for event in xs.keys() & ys.keys():
        if (xs[event] - new_docs) and (ys[event] - new_docs):
            return True
    mine = items_of(conn, x_side | y_side)
    for r in relation_rows(conn, mine, predicates=HOP_PREDICATES) if mine else []:
        if r.document_id not in new_docs and r.subject in mine and r.object in mine \
                and {mine[r.subject], mine[r.object]} & x_side and {mine[r.subject], mine[r.object]} & y_side:
            return True
    return False


def alerts_for_documents(conn, document_ids) -> list[dict]:
    new_docs = set(document_ids)
    if not new_docs:
        return []
    out: list[dict] = []
    ev_items: dict[str, str] = {}
    for batch in chunks(new_docs):
        ids = [r.id for r in conn.execute(select(events.c.id).where(events.c.document_id.in_(batch)))]
        ev_items.update(kb_of(conn, ids))
    kb_evs = set(ev_items.values())
    all_items = items_of(conn, kb_evs, kind="event") if kb_evs else {}
    all_items.update(ev_items)
    present, support, types = _presence(conn, all_items, Filters(modalities=("asserted", "reported", "alleged")))
    details = event_rows(conn, present)
    entities = entity_rows(conn, {e for s in present.values() for e in s})

    # 1. new organisation-to-organisation links
    sides = _sides(conn, present, types, "organization")
    done = set()
    for ev, side in sides.items():
        for x, y in combinations(sorted(side), 2):
            if (x, y) in done or side[x] == side[y]:
                continue
            done.add((x, y))
            members = member_people(conn, {x, y})
            if _known_elsewhere(conn, side[x] | members.get(x, set()) | {x},
                                side[y] | members.get(y, set()) | {y}, new_docs):
                continue
            ev_d = details.get(ev, {})
            names = entity_rows(conn, {x, y} | side[x] | side[y])
            via = sorted({names.get(p, {}).get("name", p) for p in (side[x] | side[y]) - {x, y}})
            docs = sorted({c.document_id for c in support[ev]} & new_docs)
            out.append({"type": "new_link", "a": entity_ref(names, x), "b": entity_ref(names, y),
                        "kind": "co_presence", "event": ev, "date": ev_d.get("date"), "place": ev_d.get("place"),
                        "via": via, "documents": docs,
                        "summary": f"new link {names[x]['name']} — {names[y]['name']}: co-presence at "
                                   f"{ev_d.get('type') or 'event'} {ev_d.get('date') or 'undated'}"
                                   f"{', ' + ev_d['place'] if ev_d.get('place') else ''}"
                                   f"{' via ' + ', '.join(via) if via else ''}"})
    rel_rows = []
    for batch in chunks(new_docs):
        rel_rows.extend(conn.execute(_claim_query(claims.c.document_id.in_(batch), claims.c.kind == "relation")))
    rel_kb = kb_of(conn, {r.subject for r in rel_rows} | {r.object for r in rel_rows})
    rel_entities = entity_rows(conn, set(rel_kb.values()))
    for r in rel_rows:
        a, b = rel_kb[r.subject], rel_kb[r.object]
        if r.predicate not in HOP_PREDICATES or a == b or (min(a, b), max(a, b)) in done:
            continue
        if not (rel_entities.get(a, {}).get("type") == rel_entities.get(b, {}).get("type") == "organization"):
            continue
        done.add((min(a, b), max(a, b)))
        if _known_elsewhere(conn, {a}, {b}, new_docs):
            continue
        out.append({"type": "new_link", "a": entity_ref(rel_entities, a), "b": entity_ref(rel_entities, b),
                    "kind": r.predicate, "event": None, "date": r.time_value, "place": None, "via": [],
                    "documents": [r.document_id],
                    "summary": f"new link {rel_entities[a]['name']} {r.predicate} {rel_entities[b]['name']}"
                               f" ({r.modality or 'asserted'})"})

    # 2. new events involving a watchlisted entity
    for ev in sorted(set(ev_items.values())):
        listed = [e for e in present.get(ev, ()) if entities.get(e, {}).get("watchlisted")]
        if listed:
            d = details.get(ev, {})
            out.append({"type": "watchlist_event", "event": ev, "date": d.get("date"), "place": d.get("place"),
                        "entities": [entity_ref(entities, e) for e in sorted(listed)],
                        "documents": sorted({c.document_id for c in support[ev]} & new_docs),
                        "summary": f"{', '.join(entities[e]['name'] for e in sorted(listed))} at "
                                   f"{d.get('type') or 'event'} {d.get('date') or 'undated'}"
                                   f"{', ' + d['place'] if d.get('place') else ''}"})

    # 3. conflicts between sources: event dates, and a relation both asserted and denied
    for ev in sorted(kb_evs):
        d = details.get(ev)
        if d and d.get("date_conflict"):
            out.append({"type": "conflict", "what": "event_date", "event": ev, "values": d["date_conflict"],
                        "summary": f"sources disagree on the date of {d.get('type') or 'event'}"
                                   f"{' in ' + d['place'] if d.get('place') else ''}: "
                                   f"{', '.join(map(str, d['date_conflict']))}"})
    pairs = {(rel_kb[r.subject], r.predicate, rel_kb[r.object]) for r in rel_rows}
    for a, predicate, b in sorted(pairs):
        mine = items_of(conn, {a, b})
        modalities = defaultdict(set)
        for r in relation_rows(conn, mine, predicates=(predicate,)):
            if mine.get(r.subject) == a and mine.get(r.object) == b:
                modalities["denied" if r.modality == "denied" else "affirmed"].add(r.document_id)
        if modalities["denied"] and modalities["affirmed"] and (modalities["denied"] | modalities["affirmed"]) & new_docs:
            out.append({"type": "conflict", "what": "relation", "subject": entity_ref(rel_entities, a),
                        "predicate": predicate, "object": entity_ref(rel_entities, b),
                        "denied_by": sorted(modalities["denied"]), "affirmed_by": sorted(modalities["affirmed"]),
                        "summary": f"sources disagree on {rel_entities[a]['name']} {predicate} "
                                   f"{rel_entities[b]['name']}: denied in {', '.join(sorted(modalities['denied']))}"})
    return out
