"""Offline place resolution: a place name (plus document context) → :class:`Place`.

A mention finds its candidate records in this order (first hit wins):

1. a dotted admin1 abbreviation ("W.Va.", "Calif.", "Ont.");
2. a demonym ("Pakistani", "Afghans", "European"), standing for its country or region;
3. the name itself (transliterated, case- and dot-folded; "Saint"/"St" variants);
   then without a possessive "'s"; then without generic designators, stripped one
   at a time ("Oaxaca State", "Guma LGA", "Walker County Sheriff's Office");
   then with or without an Arabic article ("Qamishli" → Al Qamishli);
4. a demonym not listed, derived by its ending from a major place ("Sicilian",
   "Serb", "Saint Lucian");
5. for a name of several words: without a leading direction word ("West Surrey",
   "South Kilburn"); else the longest run of words naming a well-known place
   ("University of Alberta" → Alberta; all records of that name compete); else,
   for the name of a body, its demonym ("Mexican Senate" → Mexico).

Curated regions (data/places.yaml) win outright. Other candidates are ranked by a
score made of general evidence only (no per-name rules):

* importance: log10 of the population (summed over member cities for
  subdivisions, the national figure for countries), plus a bonus for capitals;
* how the name matched: a curated name (country names and aliases) beats a
  primary name, which beats an alternate name;
* the kind of place: countries, then admin1 subdivisions, then cities; an admin
  area loses to its own city of the same name (Tehran, Kabul, Gao), and a small
  admin1 gets no edge over a larger city of its name (Manchester);
* the document: records in a country of the context (more so the larger its
  share), in an admin1 named or implied by it, or near one of its cities. The
  context's names are resolved together first (alone, then again in the light of
  that first pass), so "Georgia" beside "Atlanta" is the US state.

The gazetteer (see :mod:`linkwatch.extract.geo_index`) is loaded lazily once per
process (≈0.3 s from the on-disk cache, ≈33 MB pickled); a lookup then takes microseconds.
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
    Gazetteer, abbreviation_key, load_gazetteer, name_key,
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
_MATCH_BONUS = {CURATED: 2.0, PRIMARY: 0.0, ALTERNATE: -1.5}
_KIND_BONUS = {COUNTRY: 2.0, ADMIN1: 1.0, REGION: 1.0, CITY: 0.0, LANDMARK: 0.0, ADMIN2: -0.5}
_POPULATION_WEIGHT = 1.0
_CAPITAL_BONUS = 2.5
_EPONYMOUS_ADMIN_PENALTY = 4.0
_CURATED_SCORE = 20.0  # curated regions and places win over gazetteer records
_CONTEXT_COUNTRY = 2.5        # the candidate's country is in the document
_CONTEXT_COUNTRY_SHARE = 3.0  # ... scaled by its share of the document's places
_CONTEXT_ADMIN1 = 1.0         # per admin1 vote (named outright: 2 votes; via a city: 1)
_CONTEXT_ADMIN1_CAP = 3.0
_CONTEXT_NEAR = 1.0           # within _NEAR_KM of a city of the document
_NEAR_KM = 100.0
_IS_PLACE_MIN_POPULATION = 100_000
_IS_PLACE_MIN_ADMIN_POPULATION = 500_000

_ISO2 = re.compile(r"^[A-Z]{2}$")
_GENERIC_SUFFIX = re.compile(
    r" (state|province|region|city|district|governorate|prefecture|co|county|parish|borough|municipality"
    r"|municipal district|mdc|local government area|lga|council|county council|city council|town council"
    r"|sheriffs office|police department|police|fire department|school district|estate)$")
_SUN_LETTERS = ("sh", "th", "dh", "t", "d", "r", "z", "s", "n")  # digraphs first
_ARABIC_ARTICLE = re.compile(r"^(al|el|%s) " % "|".join(f"a{letters}" for letters in _SUN_LETTERS))
# Demonym endings and what replaces them in the place name, tried in this order.
_DEMONYM_ENDINGS = (
    ("ian", ("ia", "y", "")),  # Siberian, Sicilian, Parisian
    ("ese", ("a", "")),        # Havanese, Sudanese
    ("an", ("a",)),            # Cuban, Kenyan
    ("i", ("", "a")),          # Kuwaiti, Somali
    ("", ("ia",)),             # Serb, Croat
)
_MAJOR_CITY_POPULATION = 1_000_000
_DIRECTIONS = frozenset(("north", "south", "east", "west", "northern", "southern", "eastern", "western",
                         "central", "northeast", "northwest", "southeast", "southwest", "upper", "lower",
                         "downtown", "greater", "outer", "inner"))
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


@lru_cache(maxsize=65536)
def _candidates(name: str) -> tuple[int, ...]:
    """Index codes (entry*4 + match flag) of the records a mention may name."""
    gaz = _gaz()
    if "." in name and len(name) <= 8:
        entry = gaz.abbreviations.get(abbreviation_key(name))
        if entry is not None:
            return (entry * 4 + CURATED,)
    key = name_key(name)
    demonym = _demonym(gaz, key)
    if demonym:
        return demonym
    found = gaz.lookup(key)
    if not found and _POSSESSIVE.search(name):
        found = gaz.lookup(name_key(_POSSESSIVE.sub("", name)))
    if not found:
        found = _designated_candidates(gaz, key)
    if not found:
        found = _article_candidates(gaz, key)
    if not found:
        found = _derived_demonym(gaz, key)
    if not found and " " in key:
        found = _directional_candidates(key)
    if not found and " " in key:
        found = _subspan_candidates(gaz, key)
    return found or ()


def _directional_candidates(key: str) -> tuple[int, ...]:
    """A part of a place named by its direction ("South Kilburn", "West Surrey",
    "northern Syria") resolves to the place, when no place bears the whole name."""
    head, _, rest = key.partition(" ")
    if head not in _DIRECTIONS:
        return ()
    return _candidates(rest)


def _designated_candidates(gaz: Gazetteer, key: str) -> tuple[int, ...]:
    """A name followed by what kind of area or body it is ("Oaxaca State", "Guma LGA",
    "Nenagh Municipal District", "Walker County Sheriff's Office"): strip generic
    designators from the end, one at a time, until the rest names a place."""
    stripped = _GENERIC_SUFFIX.sub("", key)
    while stripped != key and stripped:
        found = gaz.lookup(stripped)
        if found:
            return found
        key, stripped = stripped, _GENERIC_SUFFIX.sub("", stripped)
    return ()


def _article_candidates(gaz: Gazetteer, key: str) -> tuple[int, ...]:
    """Arabic names with and without their article: "Qamishli" is GeoNames' "Al Qamishli",
    "al-Tanf" its "At Tanf" (before a sun letter the article assimilates: Ar Raqqah)."""
    article = _ARABIC_ARTICLE.match(key)
    if article:
        bare = key[article.end():]
        return gaz.lookup(bare) or gaz.lookup(_with_article(bare)) if bare else ()
    if " " in key or len(key) < 4:
        return ()
    return gaz.lookup("al " + key) or gaz.lookup(_with_article(key))


def _with_article(bare: str) -> str:
    sun = next((letters for letters in _SUN_LETTERS if bare.startswith(letters)), None)
    return f"a{sun} {bare}" if sun else f"al {bare}"


def _derived_demonym(gaz: Gazetteer, key: str) -> tuple[int, ...]:
    """An adjective or people name not listed in places.yaml, derived by its ending
    ("Sicilian" → Sicily, "Serb" → Serbia, "Saint Lucian" → Saint Lucia, "Havanese" →
    Havana); only well-known places qualify (see _well_known)."""
    for ending, replacements in _DEMONYM_ENDINGS:
        if not key.endswith(ending) or len(key) - len(ending) < 3:
            continue
        stem = key[:len(key) - len(ending)]
        for replacement in replacements:
            codes = tuple(code for code in gaz.lookup(stem + replacement)
                          if _well_known(gaz, code, major=True))
            if codes:
                return codes
    return ()


def _subspan_candidates(gaz: Gazetteer, key: str) -> tuple[int, ...]:
    """A facility or body named after a place resolves to that place ("University of
    Alberta" → Alberta, "Dubai World Cup" → Dubai): the longest, leftmost run of words
    that names a well-known place (see :func:`_well_known`); failing that, for the
    name of a body (a word of places.yaml ``body_words``), the first demonym among
    the words ("Mexican Senate" → Mexico, "European Commission" → Europe; not
    "French Quarter")."""
    words = key.split()
    for size in range(len(words) - 1, 0, -1):
        for start in range(len(words) - size + 1):
            sub = " ".join(words[start:start + size])
            if sub in gaz.not_places or sub in gaz.demonyms:
                continue
            codes = gaz.lookup(sub)
            if any(_well_known(gaz, code) for code in codes):
                return codes
    if not gaz.body_words.intersection(words):
        return ()
    for size in range(min(len(words) - 1, 3), 0, -1):
        for start in range(len(words) - size + 1):
            codes = _demonym(gaz, " ".join(words[start:start + size]))
            if codes:
                return codes
    return ()


def _well_known(gaz: Gazetteer, code: int, *, major: bool = False) -> bool:
    """Countries, curated places, large admin1s, capitals and cities of 100,000 people
    or more, matched by a primary or curated name; with ``major``, cities of a
    million people or more (and capitals)."""
    entry, flag = divmod(code, 4)
    if flag == ALTERNATE:
        return False
    kind = gaz.kind[entry]
    if flag == CURATED or kind == COUNTRY:
        return True
    if kind == ADMIN1:
        return gaz.population[entry] >= _IS_PLACE_MIN_ADMIN_POPULATION
    if kind == CITY:
        floor = _MAJOR_CITY_POPULATION if major else _IS_PLACE_MIN_POPULATION
        return gaz.population[entry] >= floor or entry in gaz.capitals
    return False


def _demonym(gaz: Gazetteer, key: str) -> tuple[int, ...]:
    target = gaz.demonyms.get(key)
    if target is None and key.endswith("s"):
        target = gaz.demonyms.get(key[:-1])
    if target is None:
        return ()
    if target in gaz.country_entry:
        return (gaz.country_entry[target] * 4 + CURATED,)
    return gaz.lookup(name_key(target))


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
    score = _POPULATION_WEIGHT * math.log10(gaz.population[entry] + 1) + _MATCH_BONUS[flag] + _KIND_BONUS[kind]
    if entry in gaz.capitals:
        score += _CAPITAL_BONUS
    if kind in (ADMIN1, ADMIN2) and _has_eponymous_seat(gaz, entry, codes):
        score -= _EPONYMOUS_ADMIN_PENALTY
    elif kind == ADMIN1 and _largest_city(codes) > gaz.population[entry]:
        score -= _KIND_BONUS[ADMIN1]  # a small subdivision has no edge over a larger city
    return score


@lru_cache(maxsize=65536)
def _largest_city(codes: tuple[int, ...]) -> int:
    gaz = _gaz()
    return max((gaz.population[code // 4] for code in codes if gaz.kind[code // 4] == CITY), default=0)


def _has_eponymous_seat(gaz: Gazetteer, entry: int, codes: tuple[int, ...]) -> bool:
    """An admin area sharing its name with one of its own cities (Tehran, Kabul, Gao):
    news mean the city."""
    for code in codes:
        other = code // 4
        if gaz.kind[other] == CITY and gaz.population[other] * 10 >= gaz.population[entry] and (
                gaz.admin1[other] == entry
                or (gaz.admin1[entry] >= 0 and gaz.admin1[other] == gaz.admin1[entry])):
            return True
    return False


@lru_cache(maxsize=65536)
def _best_alone(name: str) -> int | None:
    """Best entry for a name without context (cached: context names repeat)."""
    return _best(_gaz(), _candidates(name), None)


@dataclass(frozen=True)
class _Context:
    """What the other places of a document say: votes per country and admin1, points."""

    countries: dict[str, float]
    admin1s: dict[int, float]
    points: tuple[tuple[float, float], ...]


def _score(gaz: Gazetteer, code: int, codes: tuple[int, ...], ctx: _Context | None) -> float:
    score = _base_score(gaz, code, codes)
    if ctx is None:
        return score
    entry = code // 4
    iso = gaz.country_of(entry)
    share = ctx.countries.get(iso, 0.0) if iso else 0.0
    if share:
        score += _CONTEXT_COUNTRY + _CONTEXT_COUNTRY_SHARE * share
    votes = ctx.admin1s.get(entry, 0.0) + ctx.admin1s.get(gaz.admin1[entry], 0.0)
    if votes:
        score += _CONTEXT_ADMIN1 * min(votes, _CONTEXT_ADMIN1_CAP)
    if ctx.points and gaz.kind[entry] in (CITY, ADMIN2, LANDMARK):
        lat, lon = gaz.lat[entry], gaz.lon[entry]
        if any(_distance_km(lat, lon, p_lat, p_lon) < _NEAR_KM for p_lat, p_lon in ctx.points):
            score += _CONTEXT_NEAR
    return score


def _best(gaz: Gazetteer, codes: tuple[int, ...], ctx: _Context | None) -> int | None:
    best, best_score = None, -math.inf
    for code in codes:
        score = _score(gaz, code, codes, ctx)
        if score > best_score:
            best, best_score = code // 4, score
    return best


def _tally(gaz: Gazetteer, entries: dict[str, int], codes: frozenset[str]) -> _Context:
    """Votes of resolved context entries: a country per place; an admin1 named
    outright counts double, one implied by a city once."""
    countries: dict[str, float] = {}
    admin1s: dict[int, float] = {}
    points: list[tuple[float, float]] = []
    for code in codes:
        countries[code] = countries.get(code, 0.0) + 1.0
    for entry in entries.values():
        iso = gaz.country_of(entry)
        if iso:
            countries[iso] = countries.get(iso, 0.0) + 1.0
        kind = gaz.kind[entry]
        if kind == ADMIN1:
            admin1s[entry] = admin1s.get(entry, 0.0) + 2.0
        elif gaz.admin1[entry] >= 0:
            admin1s[gaz.admin1[entry]] = admin1s.get(gaz.admin1[entry], 0.0) + 1.0
        if kind in (CITY, ADMIN2, LANDMARK):
            points.append((gaz.lat[entry], gaz.lon[entry]))
    total = sum(countries.values()) or 1.0
    return _Context({iso: votes / total for iso, votes in countries.items()}, admin1s, tuple(points))


@lru_cache(maxsize=4096)
def _resolve_context(items: frozenset[str]) -> tuple[dict[str, int], frozenset[str]]:
    """Resolve a document's place names together: alone first, then again in the
    light of what the first pass found. Returns name key → entry, and ISO2 codes."""
    gaz = _gaz()
    codes = frozenset(item for item in items if _ISO2.match(item) and item in gaz.country_names)
    names = {name_key(item): item for item in items if item not in codes}
    first = {key: entry for key, item in names.items()
             if key and (entry := _best_alone(item)) is not None}
    ctx = _tally(gaz, first, codes)
    second: dict[str, int] = {}
    for key, item in names.items():
        candidates = _candidates(item)
        entry = _best(gaz, candidates, ctx) if len(candidates) > 1 else (
            candidates[0] // 4 if candidates else None)
        if entry is not None:
            second[key] = entry
    return second, codes


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
    if len(codes) == 1:
        return _place(gaz, codes[0] // 4)
    items = frozenset(item.strip() for item in context if item and item.strip())
    if not items:
        return _place(gaz, _best_alone(name))
    entries, iso_codes = _resolve_context(items)
    own = name_key(name)
    others = {key: entry for key, entry in entries.items() if key != own}
    return _place(gaz, _best(gaz, codes, _tally(gaz, others, iso_codes)))


def _place(gaz: Gazetteer, entry: int | None) -> Place | None:
    if entry is None:
        return None
    return Place(
        name=gaz.name(entry),
        lat=round(gaz.lat[entry], 5),
        lon=round(gaz.lon[entry], 5),
        country=gaz.country_of(entry),
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
    return any(_well_known(gaz, code) for code in gaz.lookup(key))


def country_name(code: str) -> str | None:
    """Short English name of an ISO 3166 alpha-2 code ('PK' → 'Pakistan'), or None."""
    if not code:
        return None
    return _gaz().country_names.get(code.strip().upper())
