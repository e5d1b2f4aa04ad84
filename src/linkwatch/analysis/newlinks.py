"""Links first seen after a date: by event date (default) or by when their evidence was ingested.

"First recorded co-presence of Hamas and Jaish-e-Mohammed: 2025-02,
Pakistan-occupied Kashmir" — at organisation level, a person stands for the
organisations they belong to, so a Hamas commander on stage with
Jaish-e-Mohammed is a Hamas–Jaish-e-Mohammed co-presence via that commander.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from itertools import combinations

from sqlalchemy import func, select

from linkwatch.analysis import aggregate
from linkwatch.analysis.dates import after, period, sort_key
from linkwatch.analysis.filters import Filters
from linkwatch.analysis.hops import HopWriter, entity_ref
from linkwatch.analysis.source import (Tie, _claim, _describe, chunks, entity_rows, event_items_of, event_rows,
                                       kb_of, participation_rows_by_event)
from linkwatch.analysis.views import CO_PRESENCE_ROLES, HOP_PREDICATES, MEMBERSHIP_PREDICATES, NODE_TYPES
from linkwatch.errors import LinkwatchError
from linkwatch.store.schema import claims, clusters, documents, kb_events

LEVELS = ("organization", "all")


def _sides(conn, present: dict[str, set[str]], types: dict[str, str], level: str, *,
           counted: bool = False) -> dict[str, dict[str, set]]:
    """event → {organisation (or entity) → the participants standing for it}.

    ``counted``: memberships from the store's pre-counted ties, not from claims.
    """
    if level == "all":
        return {ev: {e: {e} for e in who if types.get(e) in NODE_TYPES} for ev, who in present.items()}
    people = {e for who in present.values() for e in who if types.get(e) == "person"}
    if counted:
        orgs_of = aggregate.member_orgs(conn, people)
        _describe(conn, {o for orgs in orgs_of.values() for o in orgs} - types.keys(), types, None)
        orgs_of = {p: {o for o in orgs if types.get(o) == "organization"} for p, orgs in orgs_of.items()}
    else:
        orgs_of = member_orgs(conn, people, types)
    out = {}
    for ev, who in present.items():
        sides: dict[str, set] = defaultdict(set)
        for e in who:
            if types.get(e) == "organization":
                sides[e].add(e)
            for org in orgs_of.get(e, ()):
                sides[org].add(e)
        out[ev] = sides
    return out


def _kb_pairs(conn, kb_ids, *, kind: str, side, other, where) -> set[tuple[str, str]]:
    """Distinct (kb id, kb id of the claim's other end) over the claims whose ``side`` is an item of ``kb_ids``.

    One indexed join in SQL (kb id → items → claims → the other end's kb id; an
    item missing from ``clusters`` stands for itself), so a hub's thousands of
    items come back as a handful of kb-level rows.
    """
    mine = clusters.alias("mine")
    theirs = clusters.alias("theirs")
    far = func.coalesce(theirs.c.kb_id, other)
    joined = mine.join(claims, side == mine.c.item_id).outerjoin(theirs, theirs.c.item_id == other)
    out: set[tuple[str, str]] = set()
    for batch in chunks(set(kb_ids)):
        stmt = select(mine.c.kb_id, far.label("far")).select_from(joined).where(
            mine.c.kb_id.in_(batch), mine.c.kind == kind, *where).distinct()
        out.update((r.kb_id, r.far) for r in conn.execute(stmt))
    return out


MEMBERSHIP = (claims.c.kind == "relation", claims.c.predicate.in_(MEMBERSHIP_PREDICATES),
              func.coalesce(claims.c.modality, "asserted") != "denied")
PRESENT = (claims.c.kind == "participation", claims.c.predicate.in_(CO_PRESENCE_ROLES))


def member_orgs(conn, people: set[str], types: dict[str, str]) -> dict[str, set[str]]:
    """person → the organisations the store says they belong to (denials aside)."""
    pairs = _kb_pairs(conn, people, kind="entity", side=claims.c.subject, other=claims.c.object, where=MEMBERSHIP)
    unknown = {o for _, o in pairs} - types.keys()
    types.update({k: v["type"] for k, v in entity_rows(conn, unknown).items()})
    out: dict[str, set[str]] = defaultdict(set)
    for person, org in pairs:
        if types.get(org) == "organization":
            out[person].add(org)
    return out


def _presence(conn, event_items: dict[str, str], filters: Filters) -> tuple[dict[str, set[str]], dict, dict]:
    """kb event → entities present; also kb event → claims, and the types seen."""
    rows = participation_rows_by_event(conn, event_items)
    who_kb = kb_of(conn, {r.object for r in rows})
    present: dict[str, set[str]] = defaultdict(set)
    support: dict[str, list] = defaultdict(list)
    for r in rows:
        claim = _claim(r)
        if filters.modalities and (claim.modality or "asserted") not in filters.modalities:
            continue
        if claim.confidence is not None and claim.confidence < filters.min_confidence:
            continue
        claim.about = who_kb[r.object]
        ev = event_items[r.subject]
        present[ev].add(claim.about)
        support[ev].append(claim)
    types: dict[str, str] = {}
    _describe(conn, {e for s in present.values() for e in s}, types, None)
    return present, support, types


class _History:
    """Were X and Y (or people standing for them) ever together at an event dated before ``since``?

    Checked lazily, pair by pair, from the side with fewer reports: that side's
    earlier events (cached), then whether anyone there is Y or stands for Y.
    """

    def __init__(self, conn, since: str, level: str) -> None:
        self.conn, self.since, self.level = conn, since, level
        self.events: dict[str, set[str]] = {}
        self.sizes: dict[str, int] = {}
        self.members: dict[str, set[str]] = {}

    def size(self, entity: str) -> int:
        if entity not in self.sizes:
            self.sizes.update({k: v["documents"] for k, v in entity_rows(self.conn, [entity]).items()})
        return self.sizes.get(entity, 0)

    def events_of(self, entity: str) -> set[str]:
        if entity not in self.events:
            side = {entity}
            if self.level == "organization":
                side |= member_people(self.conn, {entity}).get(entity, set())
            self.events[entity] = _events_before(self.conn, {entity: side}, self.since)[entity]
        return self.events[entity]

    def together_before(self, x: str, y: str) -> bool:
        small, big = sorted((x, y), key=lambda e: (self.size(e), e))
        earlier = self.events_of(small)
        if not earlier:
            return False
        present = {who for _, who in _kb_pairs(self.conn, earlier, kind="event", side=claims.c.subject,
                                                other=claims.c.object, where=PRESENT)}
        if big in present:
            return True
        if self.level != "organization":
            return False
        if big not in self.members:  # who stands for ``big``: its members, read once per entity
            self.members[big] = member_people(self.conn, {big}).get(big, set())
        return bool(present & self.members[big])


def _events_before(conn, sides: dict[str, set[str]], since: str) -> dict[str, set[str]]:
    """entity → the kb events dated before ``since`` where it (or one standing for it) was present.

    One pass for all entities: each side's items, their participations, the events' dates.
    """
    everyone = set().union(*sides.values()) if sides else set()
    pairs = _kb_pairs(conn, everyone, kind="entity", side=claims.c.object, other=claims.c.subject, where=PRESENT)
    dates = {k: v["date"] for k, v in event_rows(conn, {ev for _, ev in pairs}).items()}
    by_entity: dict[str, set[str]] = defaultdict(set)
    for entity, ev in pairs:
        when = dates.get(ev)
        if when and period(when) and not after(when, since):
            by_entity[entity].add(ev)
    out: dict[str, set[str]] = {}
    for entity, side in sides.items():
        out[entity] = set().union(*(by_entity.get(e, set()) for e in side))
    return out


def new_links(conn, *, since: str, until: str | None = None, by: str = "event", level: str = "organization",
              filters: Filters | None = None, limit: int = 200) -> dict:
    filters = filters or Filters()
    if period(since) is None:
        raise LinkwatchError(f"--since {since!r} is not an ISO date")
    if by not in ("event", "ingest"):
        raise LinkwatchError("--by must be 'event' or 'ingest'")
    if level not in LEVELS:
        raise LinkwatchError(f"--level must be one of {', '.join(LEVELS)}")
    if by == "ingest":
        return _new_by_ingest(conn, since=since, until=until, level=level, filters=filters, limit=limit)

    stmt = select(kb_events.c.kb_id, kb_events.c.time_value).where(kb_events.c.time_value >= since[:4])
    if until:
        stmt = stmt.where(kb_events.c.time_value <= until + "\uffff")
    recent = {r.kb_id: r.time_value for r in conn.execute(stmt) if after(r.time_value, since)
              and (not until or (period(r.time_value) or ("", ""))[0] <= (period(until) or (until, until))[1])}
    # who was there: the store's pre-counted presences when no claim filter is asked for
    counted = aggregate.usable(conn, filters, dates=True, sources=True)
    if counted:
        types: dict[str, str | None] = {}
        present = aggregate.present_at(conn, recent, types)
        support: dict[str, list] = {}
    else:
        present, support, types = _presence(conn, event_items_of(conn, recent) if recent else {}, filters)
    sides = _sides(conn, present, types, level, counted=counted)

    order = {ev: (sort_key(date), ev) for ev, date in recent.items()}
    first: dict[tuple, str] = {}
    for ev, side in sides.items():
        for x, y in combinations(sorted(side), 2):
            if side[x] == side[y] or side[x] <= side[y] and len(side[y]) == 1:
                continue  # one person standing for both: a membership, not a meeting
            if (x, y) not in first or order[ev] < order[first[(x, y)]]:
                first[(x, y)] = ev
    results = []
    candidates = [((x, y), (recent[ev], ev)) for (x, y), ev in
                  sorted(first.items(), key=lambda kv: (order[kv[1]][0], kv[0]))]
    checker = _History(conn, since, level)
    for chunk in chunks(candidates, 500):
        if counted:  # first meetings are pre-counted: one look-up per pair, and claims for the new ones only
            met = aggregate.met_before(conn, [pair for pair, _ in chunk], level=level, start=period(since)[0])
            chunk = [c for c in chunk if c[0] not in met]
            wanted = {ev for _, (_, ev) in chunk} - support.keys()
            support.update(_presence(conn, event_items_of(conn, wanted), filters)[1] if wanted else {})
        for (x, y), (date, ev) in chunk:
            if not counted and checker.together_before(x, y):
                continue
            claims_here = [replace(c, about=x if c.about in sides[ev][x] else y)
                           for c in support.get(ev, ()) if c.about in sides[ev][x] | sides[ev][y]]
            tie = Tie(a=x, b=y, kind="co_presence", event=ev, claims=claims_here, date=date)
            if tie.sources < filters.min_sources:
                continue
            results.append({"a": x, "b": y, "tie": tie, "date": date, "event": ev,
                            "via": sorted((sides[ev][x] | sides[ev][y]) - {x, y})})
            if len(results) >= limit:
                break
        if len(results) >= limit:
            break
    return _render(conn, results, {}, since=since, by="event", level=level)


def member_people(conn, orgs: set[str]) -> dict[str, set[str]]:
    """organisation → the people the store says are its members."""
    out: dict[str, set[str]] = defaultdict(set)
    for org, member in _kb_pairs(conn, orgs, kind="entity", side=claims.c.object, other=claims.c.subject,
                                 where=MEMBERSHIP):
        out[org].add(member)
    return out


def _new_by_ingest(conn, *, since, until, level, filters, limit) -> dict:
    """Ties whose earliest supporting document was ingested on or after ``since``."""
    stmt = select(documents.c.id, documents.c.ingested_at)
    docs = {r.id: r.ingested_at.date().isoformat() for r in conn.execute(stmt) if r.ingested_at}
    fresh = {d for d, day in docs.items() if day >= period(since)[0] and (not until or day <= period(until)[1])}
    if not fresh:
        return _render(conn, [], {}, since=since, by="ingest", level=level)
    touched = set()
    for batch in _batches(sorted(fresh)):
        rows = conn.execute(select(claims.c.subject, claims.c.object, claims.c.kind)
                            .where(claims.c.document_id.in_(batch), claims.c.kind.in_(("relation", "participation"))))
        for r in rows:
            touched.add(r.object if r.kind == "participation" else r.subject)
            if r.kind == "relation":
                touched.add(r.object)
    entities = set(kb_of(conn, touched).values())
    from linkwatch.analysis.neighbourhood import Neighbourhood
    hood = Neighbourhood(conn, filters=filters)
    hood.expand(entities)
    hood.load(hood.graph.edges())
    results = []
    for u, v, data in hood.graph.edges(data=True):
        for tie in data["ties"]:
            if tie.counted:
                first_doc = tie.summary["first_ingest"] or "9999"
            else:
                first_doc = min((docs.get(c.document_id, "9999") for c in tie.claims), default="9999")
            if first_doc < period(since)[0] or (until and first_doc > period(until)[1]):
                continue
            if level == "organization" and not (hood.types.get(tie.a) == hood.types.get(tie.b) == "organization"):
                continue
            if tie.kind not in HOP_PREDICATES + ("co_presence",):
                continue
            results.append({"a": tie.a, "b": tie.b, "tie": tie, "date": first_doc, "event": tie.event, "via": []})
    results.sort(key=lambda r: (r["date"], r["a"], r["b"], r["tie"].kind, r["event"] or ""))
    hood.with_claims([r["tie"] for r in results[:limit]])
    return _render(conn, results[:limit], hood.events, since=since, by="ingest", level=level)


def _batches(values, size=500):
    for i in range(0, len(values), size):
        yield values[i:i + size]


def _render(conn, results, events, *, since, by, level) -> dict:
    writer = HopWriter(conn, [r["tie"] for r in results], events=events)
    names = entity_rows(conn, {p for r in results for p in r["via"]})
    names.update(writer.entities)
    out = []
    for r in results:
        hop = writer.hop(r["tie"], start=r["a"])
        a, b = entity_ref(names, r["a"]), entity_ref(names, r["b"])
        where = f", {hop['place']}" if hop.get("place") else ""
        when = hop.get("date") if by == "event" else f"ingested {r['date']}"
        if r["tie"].kind == "co_presence":
            what = f"first recorded co-presence of {a['name']} and {b['name']}"
        else:
            what = f"first recorded {r['tie'].kind.replace('_', ' ')}: {a['name']} → {b['name']}"
        out.append({"a": a, "b": b, "kind": r["tie"].kind, "first_seen": r["date"],
                    "summary": f"{what}: {when or 'undated'}{where}",
                    "via": [entity_ref(names, p) for p in r["via"]], "hop": hop})
    return {"since": since, "by": by, "level": level, "links": out}
