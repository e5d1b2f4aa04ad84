"""Every event an entity took part in, oldest first, with place, co-participants and sources."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from linkwatch.analysis.dates import sort_key
from linkwatch.analysis.filters import Filters
from linkwatch.analysis.hops import entity_ref
from linkwatch.analysis.lookup import find_entity
from linkwatch.analysis.source import (_claim, _claim_query, chunks, entity_rows, event_items_of, event_rows,
                                       evidence_for, items_of, kb_of, participation_rows_by_event,
                                       relation_rows)
from linkwatch.analysis.views import MEMBERSHIP_PREDICATES
from linkwatch.store.schema import claims, records

PRESENCE = ("participant", "organizer", "location")


def _rows_naming(conn, item_ids) -> list:
    out = []
    for batch in chunks(item_ids):
        out.extend(conn.execute(_claim_query(claims.c.object.in_(batch), claims.c.kind == "participation",
                                             claims.c.predicate.in_(PRESENCE))))
    return out


def _context_rows(conn, mine: dict[str, str]) -> tuple[list, dict[str, str]]:
    """Events of the person's organisations told in the same documents as the person.

    "Just a week after Hamas' October 7 attack, Zaheer met ...": the report
    places the person's story against their group's events; the timeline
    keeps those, marked ``via`` the organisation.
    """
    memberships = relation_rows(conn, mine, predicates=MEMBERSHIP_PREDICATES)
    org_items = {r.object for r in memberships if r.subject in mine and (r.modality or "asserted") != "denied"}
    if not org_items:
        return [], {}
    orgs = set(kb_of(conn, org_items).values())
    docs: set[str] = set()
    for batch in chunks(mine):
        docs.update(r.document_id for r in conn.execute(select(records.c.document_id).where(records.c.id.in_(batch))))
    # the organisations' records in those documents only (indexed on document), not all their records
    org_items_here: dict[str, str] = {}
    for batch in chunks(docs):
        rows = conn.execute(select(records.c.id).where(records.c.document_id.in_(batch),
                                                       records.c.type == "organization"))
        org_items_here.update({k: v for k, v in kb_of(conn, [r.id for r in rows]).items() if v in orgs})
    rows = [r for r in _rows_naming(conn, org_items_here) if r.predicate != "location"]
    return rows, org_items_here


def timeline(conn, name: str, *, filters: Filters | None = None, context: bool = True) -> dict:
    """``{"entity", "events": [dated, oldest first], "undated": [...]}``.

    With ``context`` (default), a person's timeline also shows the events of
    their organisations reported alongside them (marked ``via``).
    """
    filters = filters or Filters()
    entity = find_entity(conn, name)
    mine = items_of(conn, [entity["id"]])
    rows = _rows_naming(conn, mine) if mine else []
    via: dict[str, str] = {}
    if context and mine and entity["type"] == "person":
        own = {r.subject for r in rows}
        extra, org_items = _context_rows(conn, mine)
        extra = [r for r in extra if r.subject not in own]
        via = {r.subject: org_items[r.object] for r in extra}
        rows = rows + extra
    event_kb = kb_of(conn, {r.subject for r in rows})
    via_event = {event_kb[item]: org for item, org in via.items()}
    by_event: dict[str, list] = defaultdict(list)
    for r in rows:
        claim = _claim(r)
        if filters.min_confidence and claim.confidence is not None and claim.confidence < filters.min_confidence:
            continue
        modality = claim.modality or "asserted"
        if filters.modalities and modality not in filters.modalities:
            continue
        by_event[event_kb[r.subject]].append(claim)
    events = event_rows(conn, by_event)

    # co-participants: every participant of every per-document version of these events
    all_items = event_items_of(conn, by_event)
    others = participation_rows_by_event(conn, all_items) if all_items else []
    other_kb = kb_of(conn, {r.object for r in others})
    co: dict[str, dict[str, str | None]] = defaultdict(dict)
    for r in others:
        who = other_kb[r.object]
        if who != entity["id"]:
            co[all_items[r.subject]].setdefault(who, r.role)
    own_events = {event_kb[r.subject] for r in rows if r.subject not in via}
    via_event = {k: v for k, v in via_event.items() if k not in own_events}
    names = entity_rows(conn, {k for v in co.values() for k in v} | set(via_event.values()))
    quotes = evidence_for(conn, {c.id for cs in by_event.values() for c in cs}, per_claim=2)

    dated, undated = [], []
    for event_id, claim_list in by_event.items():
        event = events.get(event_id) or {"id": event_id, "type": None, "name": None, "date": None,
                                         "place": None, "date_conflict": None, "sources": 0}
        sources = len({c.source_key for c in claim_list})
        if sources < filters.min_sources or not filters.keep_date(event["date"]):
            continue
        evidence, seen = [], set()
        for c in claim_list:
            for q in quotes.get(c.id, []):
                if (q["document"], q["quote"]) not in seen:
                    seen.add((q["document"], q["quote"]))
                    evidence.append(q)
        record = {
            "event": event_id, "date": event["date"], "date_conflict": event["date_conflict"],
            "type": event["type"], "name": event["name"], "place": event["place"],
            "role": sorted({c.predicate if not c.role else f"{c.predicate}: {c.role}" for c in claim_list}),
            "with": [dict(entity_ref(names, k), role=v) for k, v in sorted(
                co.get(event_id, {}).items(), key=lambda kv: names.get(kv[0], {}).get("name", kv[0]))],
            "via": entity_ref(names, via_event[event_id]) if event_id in via_event else None,
            "modality": sorted({c.modality or "asserted" for c in claim_list}),
            "sources": sources,
            "evidence": evidence,
        }
        (dated if event["date"] else undated).append(record)
    dated.sort(key=lambda e: (sort_key(e["date"]), e["type"] or "", e["place"] or ""))
    undated.sort(key=lambda e: (e["type"] or "", e["place"] or "", e["event"]))
    return {"entity": entity_ref({entity["id"]: entity}, entity["id"]), "events": dated, "undated": undated}
