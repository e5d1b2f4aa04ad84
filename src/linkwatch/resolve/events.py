"""Event resolution: reports of the same happening become one event.

Two per-document events are compared on four things:

* **type**: equal, or of one family (a meeting reported as a gathering, an
  attack as an ``other``) at a penalty; never across families (attack vs
  meeting).
* **time**: equal, or one a prefix of the other (``2024-07`` and
  ``2024-07-23``); two different days, or months, conflict. A finer common
  precision scores higher, a year against a day scores lower (a year-only
  recap rarely tells the day's news). A null time links only with strong
  party overlap (two shared parties, or one and a compatible place).
* **place**: the same kb place; or nested, by the places' geo: one is a
  country (or a region / first-level division) holding the other, or the two
  lie within ``NEAR_KM`` (Crocus City Hall, Krasnogorsk, Moscow). Places with
  geo that do neither conflict. Different places without geo keep events
  apart unless both give the same exact day.
* **parties**: resolved kb ids of participants and organizer, compared by a
  Jaccard ratio weighted by rarity (1 / (1 + ln of the number of events naming
  the party)); a person in one report and the organisation it is a member of
  (a stored ``member_of``; states excluded) in the other count as half a
  shared party.

Score of a dated pair: 0.45 + 0.35·ratio + place (same 0.15, nested 0.08) +
time agreement − type penalty; linked at 0.6 and above. An undated pair that
passes the strong-overlap gate scores 0.5 + 0.35·ratio + place − twice the
type penalty (a null time and a changed type are weak evidence together).

Clusters keep every member's time compatible with every other's and every
pair of located members' places compatible, so two meetings of the same
leaders months apart stay apart, a month-precision report cannot chain two
different days together, and a Tehran report cannot chain into Beirut.

One exception keeps a disagreement instead of splitting: a pair whose times
conflict but lie close (``near_times``: both at least month precision, one
of them a month, midpoints within ``CONFLICT_DAYS``: "February" against
"weeks before April" read as March) links under ``CONFLICT_RULE`` when
everything else agrees strongly: one type, two or more fully shared parties
and the same or nested place (``conflict_score``). Such links are applied
after all others, under ``states_tolerant``; the kb event then lists the
disagreeing values as a conflict (``event_conflicts``).
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from itertools import combinations
from typing import Iterable, Iterator

MAX_BLOCK = 80
MAX_UNDATED = 10   # undated members copied into each year of an oversized block
NEAR_KM = 50.0     # two points this close are one place at news granularity
REGION_KM = 300.0  # a region or first-level division holds points of its country this close to its centre
RULE = "parties+time+place@2"
CONFLICT_RULE = "parties+place,times-conflict@1"
CONFLICT_DAYS = 62   # two dates this close (midpoints) may be one happening reported with a wrong date

# type families: (a, b) → score penalty for reporting one as the other
FAMILIES = {frozenset({"meeting", "gathering"}): 0.1, frozenset({"attack", "other"}): 0.15}
AREA_KINDS = {"region", "admin1"}


@dataclass(frozen=True, slots=True)
class Place:
    kb: str
    lat: float | None = None
    lon: float | None = None
    country: str | None = None
    kind: str | None = None

    @property
    def has_geo(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(slots=True)
class EventRecord:
    id: str
    document: str
    type: str
    time: str | None
    location: str | None        # kb id of the place
    parties: frozenset          # kb ids of participants and organizer
    name: str | None = None
    place: Place | None = None  # the location with its geo, when known
    memberships: frozenset = frozenset()   # (party, organisation) kb id pairs: the parties' member_of links

    def __post_init__(self) -> None:
        if self.place is None and self.location:
            self.place = Place(self.location)


# ---- times

def compatible_times(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True
    return a.startswith(b) or b.startswith(a)


def time_score(a: str, b: str) -> float:
    """Agreement of two compatible, non-null times: finer shared precision scores higher."""
    if a == b:
        return {10: 0.15, 7: 0.1}.get(len(a), 0.0)
    if min(len(a), len(b)) >= 7:
        return 0.05   # a month and a day in it
    return -0.15 if max(len(a), len(b)) >= 10 else 0.0   # a year against a day; against a month


def midpoint(value: str) -> date | None:
    """The middle of a month, or the day itself; None for a year or an unreadable value."""
    try:
        if len(value) == 7:
            return date(int(value[:4]), int(value[5:7]), 15)
        if len(value) >= 10:
            return date.fromisoformat(value[:10])
    except ValueError:
        return None
    return None


def near_times(a: str | None, b: str | None) -> bool:
    """Two conflicting times close enough to be one happening misdated: month precision, ≤ CONFLICT_DAYS apart.

    Two different days never qualify (reporters who give the day mean it);
    neither does a year.
    """
    if not a or not b or compatible_times(a, b) or min(len(a), len(b)) != 7:
        return False
    ma, mb = midpoint(a), midpoint(b)
    return ma is not None and mb is not None and abs((ma - mb).days) <= CONFLICT_DAYS


# ---- places

def km(a: Place, b: Place) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def place_relation(a: Place | None, b: Place | None) -> str | None:
    """'same', 'nested' (one holds the other, or they are near), 'conflict', 'unknown' (no geo to tell), None (one missing)."""
    if a is None or b is None:
        return None
    if a.kb == b.kb:
        return "same"
    if not (a.has_geo and b.has_geo):
        return "unknown"
    if a.country and a.country == b.country and "country" in (a.kind, b.kind):
        return "nested"
    distance = km(a, b)
    if distance <= NEAR_KM:
        return "nested"
    if a.country and a.country == b.country and (a.kind in AREA_KINDS or b.kind in AREA_KINDS) \
            and distance <= REGION_KM:
        return "nested"
    return "conflict"


# ---- types and parties

def type_penalty(a: str, b: str) -> float | None:
    """0 for one type, the family's penalty for two types of one family, None otherwise."""
    if a == b:
        return 0.0
    return FAMILIES.get(frozenset({a, b}))


def party_overlap(a: EventRecord, b: EventRecord, weights: dict | None = None) -> tuple[float, int, float]:
    """(shared, fully shared, weighted Jaccard) of two records' parties.

    A person on one side and the organisation it is a member of on the other
    count as half a shared party; a person whose organisation is itself
    shared adds nothing to the difference (one report names the group, the
    other the group and its envoy). Each party counts with its ``weights``
    (rarer parties say more: sharing a named commander beats sharing a
    country that takes part in everything).
    """
    w = (lambda x: weights.get(x, 1.0)) if weights else (lambda x: 1.0)
    full = a.parties & b.parties
    members = a.memberships | b.memberships
    covered = {x for x, org in members if org in full and x not in full}
    rest_a, rest_b = a.parties - full - covered, b.parties - full - covered
    pairs, used = [], set()
    for x in sorted(rest_a):
        for y in sorted(rest_b):
            if y not in used and ((x, y) in members or (y, x) in members):
                pairs.append((x, y))
                used.add(y)
                break
    shared = len(full) + 0.5 * len(pairs)
    if not shared:
        return 0.0, 0, 0.0
    merged = {y for _, y in pairs}   # each partial pair counts once in the union
    shared_w = sum(w(x) for x in full) + 0.5 * sum(max(w(x), w(y)) for x, y in pairs)
    union_w = sum(w(x) for x in (a.parties | b.parties) - covered - merged)
    return shared, len(full), min(1.0, shared_w / union_w) if union_w else 1.0


def party_weights(records: Iterable[EventRecord]) -> dict[str, float]:
    """Party kb id → 1 / (1 + ln(number of events naming it))."""
    counts: dict[str, int] = defaultdict(int)
    for r in records:
        for p in r.parties:
            counts[p] += 1
    return {p: party_weight(n) for p, n in counts.items()}


def party_weight(events: int) -> float:
    """The weight of a party named at ``events`` events: 1 / (1 + ln(events))."""
    return 1.0 / (1.0 + math.log(events))


# ---- states of clusters

def event_state(record: EventRecord) -> tuple[frozenset, frozenset]:
    """What a cluster must keep consistent: its times and its places (with geo or not)."""
    return frozenset({record.time} if record.time else ()), \
        frozenset({record.place}) if record.place is not None else frozenset()


def combine_states(a, b):
    ta, pa = a or (frozenset(), frozenset())
    tb, pb = b or (frozenset(), frozenset())
    return ta | tb, pa | pb


def _places_agree(pa: frozenset, pb: frozenset, ta: frozenset, tb: frozenset) -> bool:
    """No two places of two clusters that ``score`` would refuse to link directly: far apart, or two
    places that cannot be located relative to each other (no geo on one side) unless both clusters are
    dated to the same one day. Without the second half, reports of one month at different unlocated
    places chained into one "meeting" through a shared party each (366 reports at 24 places, measured
    on bench/ingest.py's stream), and its co-presence ties grew with the square of its parties."""
    one_day = len(ta) == 1 and ta == tb and len(next(iter(ta))) == 10
    for x in pa:
        for y in pb:
            relation = place_relation(x, y)
            if relation == "conflict" or (relation == "unknown" and not one_day):
                return False
    return True


def states_compatible(a, b) -> bool:
    ta, pa = a or (frozenset(), frozenset())
    tb, pb = b or (frozenset(), frozenset())
    return all(compatible_times(x, y) for x in ta for y in tb) and _places_agree(pa, pb, ta, tb)


def states_tolerant(a, b) -> bool:
    """Like ``states_compatible``, but two times may also be ``near_times`` (a conflict link)."""
    ta, pa = a or (frozenset(), frozenset())
    tb, pb = b or (frozenset(), frozenset())
    return all(compatible_times(x, y) or near_times(x, y) for x in ta for y in tb) and \
        _places_agree(pa, pb, ta, tb)


# kept for callers that track times only
def times_state(record: EventRecord) -> frozenset:
    return frozenset({record.time} if record.time else ())


def cluster_compatible(ta: frozenset, tb: frozenset) -> bool:
    return all(compatible_times(x, y) for x in ta or () for y in tb or ())


# ---- scoring

def score(a: EventRecord, b: EventRecord, *, weights: dict | None = None) -> float:
    penalty = type_penalty(a.type, b.type)
    if penalty is None or not compatible_times(a.time, b.time):
        return 0.0
    relation = place_relation(a.place, b.place)
    both_days = bool(a.time and b.time and len(a.time) == 10 and a.time == b.time)
    if relation == "conflict" or (relation == "unknown" and not both_days):
        return 0.0
    shared, full, ratio = party_overlap(a, b, weights)
    place_bonus = {"same": 0.15, "nested": 0.08}.get(relation, 0.0)
    if not a.time or not b.time:
        # an undated report joins a dated one (or another undated one) only on strong overlap
        if full >= 2 or (full >= 1 and relation in ("same", "nested")):
            return 0.5 + 0.35 * ratio + place_bonus - 2 * penalty
        return 0.0
    if shared == 0:
        if a.parties and b.parties:
            return 0.0  # both name parties, none in common
        if relation not in ("same", "nested"):
            return 0.0
        # no parties on one side: the place and the date have to carry it
        if both_days or (a.time == b.time and len(a.time) >= 7):
            return (0.75 if relation == "same" else 0.68) - penalty
        return 0.0
    return 0.45 + 0.35 * ratio + place_bonus + time_score(a.time, b.time) - penalty


def conflict_score(a: EventRecord, b: EventRecord, *, weights: dict | None = None) -> float:
    """Score of a pair whose times conflict but are near; 0 unless type, parties and place agree strongly."""
    if a.type != b.type or not near_times(a.time, b.time):
        return 0.0
    relation = place_relation(a.place, b.place)
    if relation not in ("same", "nested"):
        return 0.0
    _shared, full, ratio = party_overlap(a, b, weights)
    if full < 2:
        return 0.0
    return 0.45 + 0.35 * ratio + (0.15 if relation == "same" else 0.08) - 0.1


def event_conflicts(members: list[EventRecord], *, place_names: dict | None = None) -> list[dict]:
    """The details a kb event's reports disagree on: times that conflict, places that do not nest.

    ``[{"field": "time" | "place", "values": [{"value", "documents", ("name")}]}]``,
    every distinct value listed with the documents giving it (empty when they agree).
    """
    out = []
    times: dict[str, set] = defaultdict(set)
    for r in members:
        if r.time:
            times[r.time].add(r.document)
    if any(not compatible_times(x, y) for x, y in combinations(times, 2)):
        out.append({"field": "time", "values": [{"value": t, "documents": sorted(times[t])} for t in sorted(times)]})
    places: dict[str, set] = defaultdict(set)
    place_of: dict[str, Place] = {}
    for r in members:
        if r.place is not None:
            places[r.place.kb].add(r.document)
            if r.place.has_geo or r.place.kb not in place_of:
                place_of[r.place.kb] = r.place
    if any(place_relation(place_of[x], place_of[y]) in ("conflict", "unknown") for x, y in combinations(places, 2)):
        names = place_names or {}
        out.append({"field": "place", "values": [
            {"value": p, "name": names.get(p), "documents": sorted(places[p])} for p in sorted(places)]})
    return out


# ---- blocking

def family(kind: str) -> str:
    for members in FAMILIES:
        if kind in members:
            return "+".join(sorted(members))
    return kind


def blocking_keys(r: EventRecord) -> set[tuple]:
    fam = family(r.type)
    keys = {(fam, "p", p) for p in r.parties}
    keys |= {(fam, "p", org) for _, org in r.memberships}
    if r.location:
        keys.add((fam, "l", r.location))
    if r.place is not None and r.place.country and r.time and len(r.time) >= 7:
        keys.add((fam, "c", r.place.country, r.time[:7]))
    return keys


def _sub_blocks(members: list) -> Iterator[list]:
    """A block small enough to compare whole, else its years (each with a few undated members)."""
    if len(members) <= MAX_BLOCK:
        yield members
        return
    by_year: dict[str, list] = defaultdict(list)
    undated = []
    for r in members:
        (by_year[r.time[:4]] if r.time else undated).append(r)
    extra = undated if len(undated) <= MAX_UNDATED else []
    for year_members in by_year.values():
        block = year_members + extra
        if 2 <= len(block) <= MAX_BLOCK:
            yield block


def candidate_pairs(records: Iterable[EventRecord]) -> Iterator[tuple[EventRecord, EventRecord]]:
    blocks: dict[tuple, list] = defaultdict(list)
    for r in records:
        for key in blocking_keys(r):
            blocks[key].append(r)
    seen = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        for block in _sub_blocks(members):
            for a, b in combinations(block, 2):
                if a.document == b.document:
                    continue
                pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
                if pair in seen:
                    continue
                seen.add(pair)
                yield a, b


def link_score(a: EventRecord, b: EventRecord, *, weights: dict | None = None,
               threshold: float = 0.6) -> tuple[float, str] | None:
    """(score, rule) of the link between two events of different documents, None when not accepted."""
    s = score(a, b, weights=weights)
    if s >= threshold:
        return s, RULE
    s = conflict_score(a, b, weights=weights)
    return (s, CONFLICT_RULE) if s >= threshold else None


def scored_links(records: list[EventRecord], *, threshold: float = 0.6,
                 weights: dict | None = None) -> Iterator[tuple[float, str, str, str]]:
    """(score, a, b, rule) for every accepted candidate pair; party ``weights`` counted from ``records``
    unless given (an incremental step counts them over the store)."""
    weights = party_weights(records) if weights is None else weights
    for a, b in candidate_pairs(records):
        link = link_score(a, b, weights=weights, threshold=threshold)
        if link is not None:
            yield link[0], a.id, b.id, link[1]
