"""Event resolution: reports of the same happening become one event.

Two per-document events are the same happening when they have the same type,
share resolved parties (participants or organizer) or, lacking parties, the
same place, and their times are compatible: equal, or one a prefix of the
other (``2024-07`` and ``2024-07-23``). A null time links only with strong
party + place overlap (two shared parties, or one and the same place). Different places keep events apart unless both give
the same exact day. Clusters keep every member's time compatible with every
other's, so two meetings of the same leaders months apart stay apart and a
month-precision report cannot chain two different days together.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import Iterable, Iterator

MAX_BLOCK = 80
RULE = "parties+time+place@1"


@dataclass
class EventRecord:
    id: str
    document: str
    type: str
    time: str | None
    location: str | None        # kb id of the place
    parties: frozenset          # kb ids of participants and organizer
    name: str | None = None


def compatible_times(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return True
    return a.startswith(b) or b.startswith(a)


def times_state(record: EventRecord) -> frozenset:
    return frozenset({record.time} if record.time else ())


def cluster_compatible(ta: frozenset, tb: frozenset) -> bool:
    return all(compatible_times(x, y) for x in ta for y in tb)


def blocking_keys(r: EventRecord) -> set[tuple]:
    year = r.time[:4] if r.time else None
    keys = {(r.type, "p", p, year) for p in r.parties}
    if r.location:
        keys.add((r.type, "l", r.location, year))
    return keys


def score(a: EventRecord, b: EventRecord) -> float:
    if a.type != b.type or not compatible_times(a.time, b.time):
        return 0.0
    shared = len(a.parties & b.parties)
    union = len(a.parties | b.parties) or 1
    same_place = a.location is not None and a.location == b.location
    place_conflict = a.location is not None and b.location is not None and a.location != b.location
    both_days = bool(a.time and b.time and len(a.time) == 10 and a.time == b.time)
    if place_conflict and not both_days:
        return 0.0
    if not a.time or not b.time:
        # an undated report joins a dated one (or another undated one) only on strong overlap
        return 0.7 if (shared >= 2 or (shared >= 1 and same_place)) else 0.0
    s = 0.45 + 0.35 * shared / union + (0.15 if same_place else 0.0) + (0.1 if a.time == b.time else 0.0)
    if shared == 0:
        if a.parties and b.parties:
            return 0.0  # both name parties, none in common
        if not same_place:
            return 0.0
        # no parties on one side: the place and the date have to carry it
        return 0.75 if (a.time == b.time and len(a.time) >= 7) or both_days else 0.0
    return s


def candidate_pairs(records: Iterable[EventRecord]) -> Iterator[tuple[EventRecord, EventRecord]]:
    blocks: dict[tuple, list] = defaultdict(list)
    for r in records:
        for key in blocking_keys(r):
            blocks[key].append(r)
    seen = set()
    for members in blocks.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        for a, b in combinations(members, 2):
            if a.document == b.document:
                continue
            pair = (a.id, b.id) if a.id < b.id else (b.id, a.id)
            if pair in seen:
                continue
            seen.add(pair)
            yield a, b


def scored_links(records: list[EventRecord], *, threshold: float = 0.6) -> Iterator[tuple[float, str, str, str]]:
    for a, b in candidate_pairs(records):
        s = score(a, b)
        if s >= threshold:
            yield s, a.id, b.id, RULE
