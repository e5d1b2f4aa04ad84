"""Reference organisations: loader and lookup.

The records live in ``data/org_*.yaml`` (one list per file under the key
``organizations``); the designation lists they cite are described in
``data/designations.yaml``. Everything is loaded once, on first use, from
package data.

Lookup order in :func:`match_org`:

1. the folded surface equals a folded name or alias;
2. the surface, without dots, equals an acronym, case-sensitively;
3. the :func:`~linkwatch.model.names.name_key` of the surface equals the key
   of a name or alias of exactly one organisation.

Weak aliases ("Lashkar", "IS", "Jaish") are only used when the caller says
the context supports them (``allow_weak=True``).
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from linkwatch.model.refdata import clean_text, clean_texts, data_files, freeze, only
from linkwatch.model.names import fold, name_key

log = logging.getLogger(__name__)

KINDS = ("militant", "political", "charity", "criminal", "state", "international", "media", "other")


@dataclass(frozen=True)
class Designation:
    authority: str
    list: str
    since: str | None
    name: str | None
    until: str | None = None  # set when the listing was revoked

    @property
    def current(self) -> bool:
        return self.until is None


@dataclass(frozen=True)
class Org:
    id: str
    name: str
    aliases: tuple[str, ...]
    acronyms: tuple[str, ...]
    weak_aliases: tuple[str, ...]
    kind: str
    country: str | None
    front_of: tuple[str, ...]
    offshoot_of: tuple[str, ...]
    allied_with: tuple[str, ...]
    designations: tuple[Designation, ...]
    sources: tuple[str, ...]

    def surfaces(self) -> tuple[str, ...]:
        """Name and aliases (not acronyms, not weak aliases)."""
        return (self.name, *self.aliases)


# --- loading --------------------------------------------------------------------


def _designation(raw: dict) -> Designation:
    list_id = clean_text(raw.get("list")) or ""
    authority = clean_text(raw.get("authority")) or list_id.split("-", 1)[0]
    return Designation(
        authority=authority,
        list=list_id,
        since=clean_text(raw.get("since")),
        name=clean_text(raw.get("name")),
        until=clean_text(raw.get("until")),
    )


def _org(raw: dict) -> Org:
    return Org(
        id=str(raw["id"]),
        name=str(raw["name"]),
        aliases=clean_texts(raw.get("aliases")),
        acronyms=clean_texts(raw.get("acronyms")),
        weak_aliases=clean_texts(raw.get("weak_aliases")),
        kind=clean_text(raw.get("kind")) or "other",
        country=clean_text(raw.get("country")),
        front_of=clean_texts(raw.get("front_of")),
        offshoot_of=clean_texts(raw.get("offshoot_of")),
        allied_with=clean_texts(raw.get("allied_with")),
        designations=tuple(_designation(d) for d in raw.get("designations") or ()),
        sources=clean_texts(raw.get("sources")),
    )


@lru_cache(maxsize=1)
def organizations() -> dict[str, Org]:
    """Every reference organisation by id, loaded once from package data."""
    orgs: dict[str, Org] = {}
    for entry in data_files("org_"):
        data = yaml.safe_load(entry.read_text("utf-8")) or {}
        for raw in data.get("organizations") or ():
            org = _org(raw)
            if org.id in orgs:
                raise ValueError(f"duplicate organisation id {org.id!r} in {entry.name}")
            orgs[org.id] = org
    log.debug("loaded %d reference organisations", len(orgs))
    return orgs


@lru_cache(maxsize=1)
def designation_lists() -> dict[str, dict]:
    """The designation lists cited by the records, by list id (``us-fto`` ...)."""
    raw = resources.files("linkwatch").joinpath("data", "designations.yaml").read_text("utf-8")
    data = yaml.safe_load(raw) or {}
    return {str(item["list"]): dict(item) for item in data.get("lists") or ()}


# --- indexes --------------------------------------------------------------------

_DOTS_RE = re.compile(r"\.")


def _acronym_form(text: str) -> str:
    return _DOTS_RE.sub("", text).strip()


def _looks_like_acronym(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) >= max(2, len(letters) - 1) \
        and " " not in text.strip()


@dataclass(frozen=True)
class _Index:
    folded: dict[str, frozenset[str]]
    acronyms: dict[str, frozenset[str]]
    keys: dict[str, frozenset[str]]
    weak_folded: dict[str, frozenset[str]]
    weak_acronyms: dict[str, frozenset[str]]


@lru_cache(maxsize=1)
def _index() -> _Index:
    folded: dict[str, set[str]] = {}
    acronyms: dict[str, set[str]] = {}
    keys: dict[str, set[str]] = {}
    weak_folded: dict[str, set[str]] = {}
    weak_acronyms: dict[str, set[str]] = {}
    for org in organizations().values():
        for surface in org.surfaces():
            folded.setdefault(fold(surface), set()).add(org.id)
            key = name_key(surface)
            if key:
                keys.setdefault(key, set()).add(org.id)
        for acronym in org.acronyms:
            acronyms.setdefault(_acronym_form(acronym), set()).add(org.id)
        for weak in org.weak_aliases:
            if _looks_like_acronym(weak):
                weak_acronyms.setdefault(_acronym_form(weak), set()).add(org.id)
            else:
                weak_folded.setdefault(fold(weak), set()).add(org.id)
    return _Index(freeze(folded), freeze(acronyms), freeze(keys),
                  freeze(weak_folded), freeze(weak_acronyms))


def match_org(surface: str, *, allow_weak: bool = False) -> Org | None:
    """The organisation a surface form names, or None when unknown or ambiguous."""
    if not surface or not surface.strip():
        return None
    index = _index()
    folded = fold(surface)
    if folded in index.folded:
        return only(index.folded[folded], organizations())
    acronym = _acronym_form(surface)
    if acronym in index.acronyms:
        return only(index.acronyms[acronym], organizations())
    if allow_weak:
        if acronym in index.weak_acronyms:
            return only(index.weak_acronyms[acronym], organizations())
        if folded in index.weak_folded:
            return only(index.weak_folded[folded], organizations())
    if len(folded) < 4 or folded in index.weak_folded:
        return None
    return only(index.keys.get(name_key(surface)), organizations())


def candidates(surface: str) -> list[Org]:
    """Every organisation a surface could name (including via weak aliases)."""
    index = _index()
    folded = fold(surface)
    acronym = _acronym_form(surface)
    ids: set[str] = set()
    for table, key in ((index.folded, folded), (index.acronyms, acronym),
                       (index.weak_folded, folded), (index.weak_acronyms, acronym),
                       (index.keys, name_key(surface))):
        ids.update(table.get(key, ()))
    orgs = organizations()
    return [orgs[i] for i in sorted(ids)]


# --- surface forms for matchers ----------------------------------------------------

_CONNECTOR_HYPHEN_RE = re.compile(r"(?<=\w)-(?=\w)")


def _variants(surface: str) -> list[str]:
    """The surface plus its hyphen/space variants ("Lashkar-e-Taiba" / "Lashkar e Taiba")."""
    out = [surface]
    if "-" in surface:
        out.append(_CONNECTOR_HYPHEN_RE.sub(" ", surface))
    if surface.lower().startswith(("al ", "el ")):
        out.append(surface[:2] + "-" + surface[3:])
    if "'" in surface or "\u2019" in surface:
        out.append(surface.replace("'", "\u2019") if "'" in surface else surface.replace("\u2019", "'"))
        out.append(surface.replace("'", "").replace("\u2019", ""))
    return out


@lru_cache(maxsize=1)
def _surface_forms() -> tuple[tuple[str, str, bool], ...]:
    seen: set[tuple[str, str, bool]] = set()
    out: list[tuple[str, str, bool]] = []

    def add(text: str, org_id: str, is_acronym: bool) -> None:
        item = (text, org_id, is_acronym)
        if text and item not in seen:
            seen.add(item)
            out.append(item)

    for org in organizations().values():
        for surface in org.surfaces():
            for variant in _variants(surface):
                add(variant, org.id, False)
        for acronym in org.acronyms:
            add(acronym, org.id, True)
            if "." not in acronym and acronym.isalpha() and acronym.isupper() and len(acronym) <= 4:
                add(".".join(acronym) + ".", org.id, True)
    return tuple(out)


def org_surface_forms() -> list[tuple[str, str, bool]]:
    """(surface text, org id, is_acronym) for a PhraseMatcher/EntityRuler; no weak aliases."""
    return list(_surface_forms())


def weak_surface_forms() -> list[tuple[str, str]]:
    """(surface text, org id) for the weak aliases, to be used only in context."""
    return [(weak, org.id) for org in organizations().values() for weak in org.weak_aliases]


def watchlists_for(org_id: str, *, include_revoked: bool = False) -> list[dict]:
    """The designation lists an organisation is on, in the report's watchlist shape."""
    org = organizations().get(org_id)
    if org is None:
        return []
    out: list[dict] = []
    for designation in org.designations:
        if designation.until and not include_revoked:
            continue
        item = {"list": designation.list, "name": designation.name or org.name,
                "authority": designation.authority, "since": designation.since}
        if designation.until:
            item["until"] = designation.until
        out.append(item)
    return out
