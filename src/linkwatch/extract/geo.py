"""Offline place resolution: a place name (plus document context) → :class:`Place`.

``resolve_place`` ranks every gazetteer record bearing the name by a score made of
general evidence only:

* importance: log10 of the population (summed over member cities for
  subdivisions, the national figure for countries);
* how the name matched: a curated name (country names and aliases, curated
  regions) beats a primary name, which beats an alternate name;
* the kind of place: countries, then admin1 subdivisions, then cities;
* the document: records in a country named or implied by the context, in an
  admin1 named or implied by it, or close to the context's places.

The gazetteer (see :mod:`linkwatch.extract.geo_index`) is loaded lazily once per
process; lookups are dictionary hits plus a short scoring loop.
"""
from __future__ import annotations

import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from linkwatch.extract.geo_index import (
    ADMIN1, ADMIN2, ALTERNATE, CITY, COUNTRY, CURATED, KIND_NAMES, LANDMARK, PRIMARY, REGION,
    Gazetteer, load_gazetteer, name_key,
)

log = logging.getLogger(__name__)

__all__ = ["Place", "resolve_place", "is_place_name", "country_name"]


@dataclass(frozen=True)
class Place:
    name: str
    lat: float
    lon: float
    country: str | None  # ISO 3166 alpha-2
    geonames_id: int | None
    kind: str  # 'country' | 'admin1' | 'region' | 'city' | 'landmark'
    population: int | None


# Score weights (log10-population units). General heuristics, not per-name rules.
_MATCH_BONUS = {CURATED: 4.0, PRIMARY: 0.0, ALTERNATE: -1.5}
_KIND_BONUS = {COUNTRY: 2.0, ADMIN1: 1.0, REGION: 1.0, CITY: 0.0, LANDMARK: 0.0, ADMIN2: -0.5}
_CAPITAL_BONUS = 1.0
_EPONYMOUS_ADMIN_PENALTY = 3.0
_CURATED_SCORE = 20.0  # curated regions and places win over gazetteer records
_CONTEXT_COUNTRY = 2.5
_CONTEXT_ADMIN1 = 2.0
_CONTEXT_NEAR = 1.0
_NEAR_KM = 150.0
_IS_PLACE_MIN_POPULATION = 100_000
_IS_PLACE_MIN_ADMIN_POPULATION = 500_000

_ISO2 = re.compile(r"^[A-Z]{2}$")
_POSSESSIVE = re.compile(r"['’]s$")

_lock = threading.Lock()
_gazetteer: Gazetteer | None = None


def _gaz() -> Gazetteer:
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                _gazetteer = load_gazetteer()
    return _gazetteer


def _candidates(name: str) -> tuple[int, ...]:
    gaz = _gaz()
    key = name_key(name)
    found = gaz.index.get(key)
    if not found and _POSSESSIVE.search(name):
        found = gaz.index.get(name_key(_POSSESSIVE.sub("", name)))
    if not found:
        iso = gaz.demonyms.get(key)
        entry = gaz.country_entry.get(iso) if iso else None
        if entry is not None:
            found = (entry * 4 + CURATED,)
    return found or ()


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


def _base_score(gaz: Gazetteer, code: int, codes: tuple[int, ...]) -> float:
    entry, flag = divmod(code, 4)
    if entry in gaz.curated:
        return _CURATED_SCORE
    kind = gaz.kind[entry]
    score = math.log10(gaz.population[entry] + 1) + _MATCH_BONUS[flag] + _KIND_BONUS[kind]
    if entry in gaz.capitals:
        score += _CAPITAL_BONUS
    if kind in (ADMIN1, ADMIN2) and _has_eponymous_seat(gaz, entry, codes):
        score -= _EPONYMOUS_ADMIN_PENALTY
    return score


def _has_eponymous_seat(gaz: Gazetteer, entry: int, codes: tuple[int, ...]) -> bool:
    """An admin area sharing its name with one of its own cities (Tehran, Kabul, Gao):
    news mean the city."""
    for code in codes:
        other = code // 4
        if gaz.kind[other] == CITY and code % 4 != ALTERNATE and (
                gaz.admin1[other] == entry
                or (gaz.admin1[entry] >= 0 and gaz.admin1[other] == gaz.admin1[entry])):
            return True
    return False


@lru_cache(maxsize=65536)
def _best_alone(name: str) -> int | None:
    """Best entry for a name without context (cached: context names repeat)."""
    gaz = _gaz()
    best, best_score = None, -math.inf
    codes = _candidates(name)
    for code in codes:
        score = _base_score(gaz, code, codes)
        if score > best_score:
            best, best_score = code // 4, score
    return best


@dataclass(frozen=True)
class _Context:
    countries: frozenset[str]
    admin1s: frozenset[int]
    points: tuple[tuple[float, float], ...]


def _read_context(context: Sequence[str], name_key_: str) -> _Context:
    gaz = _gaz()
    countries: set[str] = set()
    admin1s: set[int] = set()
    points: list[tuple[float, float]] = []
    for item in context:
        if not item:
            continue
        if _ISO2.match(item) and item in gaz.country_names:
            countries.add(item)
            continue
        if name_key(item) == name_key_:
            continue
        entry = _best_alone(item)
        if entry is None:
            continue
        if gaz.country[entry]:
            countries.add(gaz.country[entry])
        kind = gaz.kind[entry]
        if kind == ADMIN1:
            admin1s.add(entry)
        elif gaz.admin1[entry] >= 0:
            admin1s.add(gaz.admin1[entry])
        if kind in (CITY, ADMIN2, LANDMARK):
            points.append((gaz.lat[entry], gaz.lon[entry]))
    return _Context(frozenset(countries), frozenset(admin1s), tuple(points))


def resolve_place(name: str, *, context: Sequence[str] = ()) -> Place | None:
    """Resolve a place name to the most likely gazetteer record, or None.

    ``context`` holds the other place names (or ISO2 country codes) of the same
    document; they steer ambiguous names (Hyderabad PK vs IN, Paris TX vs FR).
    """
    if not name or not name.strip():
        return None
    name = name.strip()
    codes = _candidates(name)
    if not codes:
        return None
    gaz = _gaz()
    if len(codes) == 1 or not context:
        entry = _best_alone(name) if len(codes) > 1 else codes[0] // 4
        return _place(gaz, entry)
    ctx = _read_context(context, name_key(name))
    best, best_score = None, -math.inf
    for code in codes:
        entry = code // 4
        score = _base_score(gaz, code, codes)
        if gaz.country[entry] in ctx.countries:
            score += _CONTEXT_COUNTRY
        if entry in ctx.admin1s or gaz.admin1[entry] in ctx.admin1s:
            score += _CONTEXT_ADMIN1
        if ctx.points and gaz.kind[entry] != COUNTRY:
            lat, lon = gaz.lat[entry], gaz.lon[entry]
            if any(_distance_km(lat, lon, p_lat, p_lon) < _NEAR_KM for p_lat, p_lon in ctx.points):
                score += _CONTEXT_NEAR
        if score > best_score:
            best, best_score = entry, score
    return _place(gaz, best)


def _place(gaz: Gazetteer, entry: int | None) -> Place | None:
    if entry is None:
        return None
    return Place(
        name=gaz.names[entry],
        lat=round(gaz.lat[entry], 5),
        lon=round(gaz.lon[entry], 5),
        country=gaz.country[entry],
        geonames_id=gaz.geonames_id[entry] or None,
        kind=KIND_NAMES[gaz.kind[entry]],
        population=gaz.population[entry] or None,
    )


@lru_cache(maxsize=65536)
def is_place_name(name: str) -> bool:
    """True only for well-known places: countries, curated regions, large admin1s,
    capitals and cities of at least 100,000 people, matched by a primary or
    curated name. Used to fix NER type errors, so it errs on the side of False.
    """
    name = (name or "").strip()
    if len(name) < 3 or not name[0].isupper():
        return False
    gaz = _gaz()
    key = name_key(name)
    if key in gaz.not_places:
        return False
    for code in gaz.index.get(key, ()):
        entry, flag = divmod(code, 4)
        if flag == ALTERNATE:
            continue
        kind = gaz.kind[entry]
        if flag == CURATED or kind == COUNTRY:
            return True
        if kind == ADMIN1 and gaz.population[entry] >= _IS_PLACE_MIN_ADMIN_POPULATION:
            return True
        if kind == CITY and (gaz.population[entry] >= _IS_PLACE_MIN_POPULATION or entry in gaz.capitals):
            return True
    return False


def country_name(code: str) -> str | None:
    """Short English name of an ISO 3166 alpha-2 code ('PK' → 'Pakistan'), or None."""
    if not code:
        return None
    return _gaz().country_names.get(code.strip().upper())
