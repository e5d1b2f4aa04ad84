"""The events an entity took part in, oldest first, with place, co-participants and sources.

A page at a time: ``limit`` events (dated first, then undated) and a count
of the ``more`` left out. The entity's events are first listed narrowly in
SQL (event id, date: one indexed join, no claim rows in Python); only the
page's events are then read in full (claims, co-participants, quotes), so a
hub reported in thousands of documents costs what a page costs.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, or_, select

from linkwatch.analysis import aggregate
from linkwatch.analysis.dates import sort_key
from linkwatch.analysis.filters import Filters
from linkwatch.analysis.hops import entity_ref
from linkwatch.analysis.lookup import find_entity
from linkwatch.analysis.source import (_claim, _claim_query, chunks, entity_rows, event_items_of, event_rows,
                                       evidence_for, items_of, kb_of, participation_rows_by_event,
                                       relation_rows)
from linkwatch.analysis.views import MEMBERSHIP_PREDICATES, PRESENCE_ROLES
from linkwatch.errors import LinkwatchError
from linkwatch.store.schema import claims, clusters, kb_events, records
from linkwatch.store.timelines import order_key


def _rows_naming(conn, item_ids) -> list:
    out = []
    for batch in chunks(item_ids):
        out.extend(conn.execute(_claim_query(claims.c.object.in_(batch), claims.c.kind == "participation",
                                             claims.c.predicate.in_(PRESENCE_ROLES))))
    return out


def _own_events(conn, entity_id: str, filters: Filters, *, events=None) -> dict[str, str | None]:
    """kb event → its date, for every event the entity is present at through a claim passing the filters.

    With ``events``, only those kb events (read from the events' side, so a page stays cheap).
    Without, from the store's pre-counted presences when no claim filter is asked for.
    """
    if events is None and aggregate.usable(conn, filters, dates=True, sources=True):
        return aggregate.events_of(conn, entity_id)
    me = clusters.alias("me")
    ce = clusters.alias("ce")
    event = func.coalesce(ce.c.kb_id, claims.c.subject)  # an item missing from clusters stands for itself
    conditions = [me.c.kb_id == entity_id, me.c.kind == "entity", claims.c.kind == "participation",
                  claims.c.predicate.in_(PRESENCE_ROLES)]
    if filters.min_confidence:
        conditions.append(or_(claims.c.confidence.is_(None), claims.c.confidence >= filters.min_confidence))
    if filters.modalities:
        conditions.append(func.coalesce(claims.c.modality, "asserted").in_(filters.modalities))
    joined = (me.join(claims, claims.c.object == me.c.item_id)
              .outerjoin(ce, ce.c.item_id == claims.c.subject)
              .outerjoin(kb_events, kb_events.c.kb_id == event))
    out: dict[str, str | None] = {}
    if events is None:
        stmt = select(event.label("event"), kb_events.c.time_value).select_from(joined).where(*conditions)
        out.update({r.event: r.time_value for r in conn.execute(stmt.distinct())})
        return out
    # from the events' side (their items, indexed), checking the claim names one of the entity's items
    named = select(me.c.item_id).where(me.c.item_id == claims.c.object, me.c.kb_id == entity_id,
                                       me.c.kind == "entity").exists()
    rest = conditions[2:]
    for batch in chunks(events):
        out.update({r.id: None for r in conn.execute(
            select(claims.c.id).select_from(ce.join(claims, claims.c.subject == ce.c.item_id))
            .where(ce.c.kb_id.in_(batch), named, *rest))})
        out.update({r.id: None for r in conn.execute(  # items missing from clusters stand for themselves
            select(claims.c.id).select_from(claims.outerjoin(ce, ce.c.item_id == claims.c.subject))
            .where(claims.c.subject.in_(batch), ce.c.item_id.is_(None), named, *rest))})
    return out


def _passes(row, filters: Filters) -> bool:
    """The claim-level filters (confidence, modality), as the timeline applies them."""
    if filters.min_confidence and row.confidence is not None and row.confidence < filters.min_confidence:
        return False
    return not filters.modalities or (row.modality or "asserted") in filters.modalities


def _page(pool: dict[str, str | None], filters: Filters, limit: int | None) -> tuple[set[str], int]:
    """The events that can be on the first page (ties at the cut included; the exact cut comes later),
    and how many events pass the date window in all."""
    kept = {e: d for e, d in pool.items() if filters.keep_date(d)}
    if limit is None or filters.min_sources > 1 or len(kept) <= limit:
        return set(kept), len(kept)
    keys = {d: sort_key(d) for d in set(kept.values()) if d}  # many events share a date
    dated = sorted(keys[d] for d in kept.values() if d)
    if len(dated) >= limit:
        cut = dated[limit - 1]
        return {e for e, d in kept.items() if d and keys[d] <= cut}, len(kept)
    return set(kept), len(kept)


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


def timeline(conn, name: str, *, filters: Filters | None = None, context: bool = True,
             limit: int | None = 200) -> dict:
    """``{"entity", "events": [dated, oldest first], "undated": [...], "more": n}``.

    At most ``limit`` events (dated first; None for all); ``more`` counts the
    ones left out. With ``context`` (default), a person's timeline also shows
    the events of their organisations reported alongside them (marked ``via``).
    Read from the store's timeline rows (``kb_timelines``) unless a claim
    filter is asked for, or the aggregates are not built or stale.
    """
    filters = filters or Filters()
    if limit is not None and limit < 1:
        raise LinkwatchError("--limit must be at least 1")
    entity = find_entity(conn, name)
    if context and aggregate.usable(conn, filters, dates=True, sources=True):
        rows, total = aggregate.timeline_rows(conn, entity["id"], filters=filters, limit=limit)
        quotes = evidence_for(conn, {c for r in rows for c in r.claims}, per_claim=2)
        records = [dict(r.record, evidence=_evidence(r.claims, quotes)) for r in rows]
        return _result(entity, records, total)
    return _from_claims(conn, entity, filters, context=context, limit=limit)


def _evidence(claim_ids, quotes: dict) -> list[dict]:
    """The claims' quotes, in claim order, each (document, quote) once."""
    evidence, seen = [], set()
    for claim_id in claim_ids:
        for q in quotes.get(claim_id, []):
            if (q["document"], q["quote"]) not in seen:
                seen.add((q["document"], q["quote"]))
                evidence.append(q)
    return evidence


def _result(entity: dict, records: list[dict], total: int) -> dict:
    """The page (records in timeline order) split into dated and undated events."""
    return {"entity": entity_ref({entity["id"]: entity}, entity["id"]),
            "events": [r for r in records if r["date"]], "undated": [r for r in records if not r["date"]],
            "more": total - len(records)}


def _from_claims(conn, entity: dict, filters: Filters, *, context: bool, limit: int | None) -> dict:
    """The timeline read from the claims (the rules ``store.timelines`` pre-counts, tested to agree)."""
    pool = _own_events(conn, entity["id"], filters)
    extra: list = []
    via: dict[str, str] = {}
    mine = items_of(conn, [entity["id"]]) if context and entity["type"] == "person" else {}
    if mine:
        own_items = {r.subject for r in _rows_naming(conn, mine)}
        extra, org_items = _context_rows(conn, mine)
        extra = sorted((r for r in extra if r.subject not in own_items), key=lambda r: r.id)
        via = {r.subject: org_items[r.object] for r in extra}
        extra_kb = kb_of(conn, via)
        dates = event_rows(conn, {extra_kb[r.subject] for r in extra if _passes(r, filters)})
        for kb in dates.keys() | {extra_kb[r.subject] for r in extra if _passes(r, filters)}:
            pool.setdefault(kb, (dates.get(kb) or {}).get("date"))
    page, kept = _page(pool, filters, limit)
    wanted = set(_own_events(conn, entity["id"], filters, events=page)) if page else set()
    rows = []
    for batch in chunks(wanted):
        rows.extend(conn.execute(_claim_query(claims.c.id.in_(batch))))
    rows.sort(key=lambda r: r.id)  # quotes follow the claims: the entity's own, then its organisations'
    event_kb = kb_of(conn, {r.subject for r in rows} | {r.subject for r in extra})
    rows += [r for r in extra if event_kb[r.subject] in page]
    event_kb = {k: v for k, v in event_kb.items() if v in page}
    via = {k: v for k, v in via.items() if k in event_kb}
    via_event: dict[str, str] = {}
    for item, org in via.items():  # several organisations: the smallest id
        via_event[event_kb[item]] = min(org, via_event.get(event_kb[item], org))
    by_event: dict[str, list] = defaultdict(list)
    for r in rows:
        if not _passes(r, filters):
            continue
        claim = _claim(r)
        by_event[event_kb[r.subject]].append(claim)
    events = event_rows(conn, by_event)

    # co-participants: every participant of every per-document version of these events, each with the
    # role of its first claim (per-document event, then claim id)
    all_items = event_items_of(conn, by_event)
    others = participation_rows_by_event(conn, all_items) if all_items else []
    others.sort(key=lambda r: (r.subject, r.id))
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

    records = []
    for event_id, claim_list in by_event.items():
        event = events.get(event_id) or {"id": event_id, "type": None, "name": None, "date": None,
                                         "place": None, "date_conflict": None, "sources": 0}
        sources = len({c.source_key for c in claim_list})
        if sources < filters.min_sources or not filters.keep_date(event["date"]):
            continue
        with_ = [dict(entity_ref(names, k), role=v) for k, v in co.get(event_id, {}).items()]
        records.append({
            "event": event_id, "date": event["date"], "date_conflict": event["date_conflict"],
            "type": event["type"], "name": event["name"], "place": event["place"],
            "role": sorted({c.predicate if not c.role else f"{c.predicate}: {c.role}" for c in claim_list}),
            "with": sorted(with_, key=lambda e: (e["name"], e["id"])),
            "via": entity_ref(names, via_event[event_id]) if event_id in via_event else None,
            "modality": sorted({c.modality or "asserted" for c in claim_list}),
            "sources": sources,
            "evidence": _evidence([c.id for c in claim_list], quotes),
        })
    records.sort(key=lambda r: order_key(r["event"], r))
    total = kept if filters.min_sources <= 1 else len(records)
    return _result(entity, records[:limit], total)
