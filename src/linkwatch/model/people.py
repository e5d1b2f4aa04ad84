"""Reference people: loader and lookup.

The records live in ``data/people_*.yaml`` (one list per file under the key
``people``). Each person has a name, aliases (transliterations, kunyas, noms
de guerre, titled forms such as "Mullah Omar"), a nationality and a list of
roles. A role ties the person to an organisation id from ``data/org_*.yaml``
or to a country written ``country:XX`` (ISO 3166 alpha-2), with the years it
was held (``from`` / ``until`` in the YAML, ``since`` / ``until`` here).
A record may list ``common_names``: forms of its name too common to name this
person alone ("Muhammad Saeed" for Hafiz Muhammad Saeed, "Abdur Rahman" for
Shaykh Abdur Rahman); they are never indexed, though the titled forms are.

Lookup order in :func:`match_person`, each step used only when it names
exactly one person:

1. the folded surface equals a folded name or alias ("Hafiz Saeed",
   "Mullah Omar" are aliases in their own right);
2. the same after :func:`~linkwatch.model.names.strip_honorifics`;
3. the :func:`~linkwatch.model.names.name_key` of the surface with its title
   ("Mulla Mohammad Omar"), then of the stripped surface, equals the key of a
   name or alias ("Esmaeil Haniyeh" / "Ismail Haniya");
4. a looser key, the first letter plus the consonants and glides of the
   joined key, for word-split and plain-vowel differences ("Abubakar Shekau"
   / "Abu Bakr Shekau", "Iyad Ag Ghaly" / "Iyad ag-Ghali"); the glides keep
   Hassan and Hussein apart.

Steps 3 and 4 need at least two name words after titles and articles are
dropped, so a bare surname ("Modi", "al-Baghdadi", "Mr Haqqani") never
matches. When two people share a key the lookup gives None.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

import yaml

from linkwatch.model.refdata import clean_text, clean_texts, data_files, freeze, only
from linkwatch.model.names import fold, name_key, strip_honorifics

log = logging.getLogger(__name__)

COUNTRY_PREFIX = "country:"
_COUNTRY_RE = re.compile(r"^country:[A-Z]{2}$")
_YEAR_RE = re.compile(r"^\d{4}")
_LOOSE_MIN = 6  # consonants a loose key needs before it is trusted


@dataclass(frozen=True)
class Role:
    org: str  # an org id from data/org_*.yaml, or "country:XX"
    role: str
    since: str | None
    until: str | None

    @property
    def is_country(self) -> bool:
        return self.org.startswith(COUNTRY_PREFIX)

    def held_in(self, year: int) -> bool:
        start = _year(self.since)
        end = _year(self.until)
        return (start is None or start <= year) and (end is None or year <= end)


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    aliases: tuple[str, ...]
    roles: tuple[Role, ...]
    nationality: str | None
    sources: tuple[str, ...]

    def surfaces(self) -> tuple[str, ...]:
        """Name and aliases."""
        return (self.name, *self.aliases)


# --- loading --------------------------------------------------------------------

def _year(value: str | None) -> int | None:
    if value and _YEAR_RE.match(value):
        return int(value[:4])
    return None


def _role(raw: dict) -> Role | None:
    org = clean_text(raw.get("org"))
    role = clean_text(raw.get("role"))
    if not org or not role:
        return None
    return Role(org=org, role=role, since=clean_text(raw.get("from")), until=clean_text(raw.get("until")))


def _person(raw: dict) -> Person:
    roles = tuple(r for r in (_role(item) for item in raw.get("roles") or ()) if r)
    dropped = len(raw.get("roles") or ()) - len(roles)
    if dropped:
        log.warning("person %s: %d role(s) without org or role dropped", raw.get("id"), dropped)
    nationality = clean_text(raw.get("nationality"))
    return Person(
        id=str(raw["id"]),
        name=str(raw["name"]),
        aliases=tuple(a for a in clean_texts(raw.get("aliases")) if a != raw["name"]),
        roles=roles,
        nationality=nationality.upper() if nationality else None,
        sources=clean_texts(raw.get("sources")),
    )


def _blocked(raw: dict) -> frozenset[str]:
    """Name keys of forms too common to name this person without a title ("Abdur Rahman")."""
    return frozenset(name_key(text) for text in clean_texts(raw.get("common_names")))


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Person], dict[str, frozenset[str]]]:
    out: dict[str, Person] = {}
    blocked: dict[str, frozenset[str]] = {}
    for entry in data_files("people"):
        data = yaml.safe_load(entry.read_text("utf-8")) or {}
        for raw in data.get("people") or ():
            person = _person(raw)
            if person.id in out:
                raise ValueError(f"duplicate person id {person.id!r} in {entry.name}")
            out[person.id] = person
            blocked[person.id] = _blocked(raw)
    log.debug("loaded %d reference people", len(out))
    return out, blocked


def people() -> dict[str, Person]:
    """Every reference person by id, loaded once from package data."""
    return _load()[0]


# --- keys -----------------------------------------------------------------------

_CONNECTOR_HYPHEN_RE = re.compile(r"(?<=\w)-(?=\w)")
_LOOSE_DROP_RE = re.compile(r"[aiu ]")


_ARTICLE_NAME_RE = re.compile(r"^(?:(?:al|el)[-\s]+|(?:a[dnrstz]|ash|ath|adh)-)[^\s-]+$", re.IGNORECASE)


def _is_bare(surface: str) -> bool:
    """One name word, alone or behind an article ("Modi", "al-Baghdadi", "ash-Shishani")."""
    text = surface.strip()
    return len(fold(text).split()) < 2 or bool(_ARTICLE_NAME_RE.match(text))


def _words(surface: str) -> int:
    """Name words left once titles, articles and connectors are dropped."""
    return len(name_key(strip_honorifics(surface)).split())


def _loose_key(key: str) -> str:
    """First letter plus the consonants and glides (y, w) of a name key, words joined."""
    joined = key.replace(" ", "")
    if not joined:
        return ""
    return joined[0] + _LOOSE_DROP_RE.sub("", joined[1:])


def _variants(surface: str) -> list[str]:
    """The surface plus hyphen/space and apostrophe variants."""
    out = [surface]
    if "-" in surface:
        out.append(_CONNECTOR_HYPHEN_RE.sub(" ", surface))
    for apostrophe in ("'", "\u2019"):
        if apostrophe in surface:
            out.append(surface.replace(apostrophe, ""))
    return out


def _full_forms(person: Person) -> list[str]:
    """Name and aliases, plus titled aliases without their title when a full name remains.

    Forms the record lists under ``common_names`` ("Abdur Rahman" for Shaykh
    Abdur Rahman) are left out: they name too many people.
    """
    blocked = _load()[1].get(person.id, frozenset())
    forms: list[str] = []
    for surface in person.surfaces():
        for candidate in (surface, strip_honorifics(surface)):
            if candidate not in forms and name_key(candidate) not in blocked:
                forms.append(candidate)
    return forms


@dataclass(frozen=True)
class _Index:
    folded: dict[str, frozenset[str]]
    keys: dict[str, frozenset[str]]
    loose: dict[str, frozenset[str]]


@lru_cache(maxsize=1)
def _index() -> _Index:
    folded: dict[str, set[str]] = {}
    keys: dict[str, set[str]] = {}
    loose: dict[str, set[str]] = {}
    for person in people().values():
        blocked = _load()[1].get(person.id, frozenset())
        for form in _full_forms(person):
            if _is_bare(form):
                continue  # never index a bare name ("al-Baghdadi")
            folded.setdefault(fold(form), set()).add(person.id)
            titled_key = name_key(form)
            if len(titled_key.split()) >= 2:
                keys.setdefault(titled_key, set()).add(person.id)  # "Mullah Omar" as written
            stripped = strip_honorifics(form)
            if _words(stripped) < 2 or name_key(stripped) in blocked:
                continue  # a titled surname ("Mullah Omar") matches only as written
            key = name_key(stripped)
            keys.setdefault(key, set()).add(person.id)
            loose_key = _loose_key(key)
            if len(loose_key) >= _LOOSE_MIN:
                loose.setdefault(loose_key, set()).add(person.id)
    return _Index(freeze(folded), freeze(keys), freeze(loose))


def match_person(surface: str) -> Person | None:
    """The reference person a full-name surface names, or None when unknown or ambiguous."""
    if not surface or not surface.strip():
        return None
    index = _index()
    folded = fold(surface)
    if folded in index.folded:
        return only(index.folded[folded], people())
    stripped = strip_honorifics(surface)
    folded_stripped = fold(stripped)
    if folded_stripped in index.folded:
        return only(index.folded[folded_stripped], people())
    if stripped != surface.strip():
        titled_key = name_key(surface)
        if titled_key in index.keys:
            return only(index.keys[titled_key], people())  # "Mulla Mohammad Omar"
    key = name_key(stripped)
    if len(key.split()) < 2:
        return None
    if key in index.keys:
        return only(index.keys[key], people())
    loose_key = _loose_key(key)
    if len(loose_key) < _LOOSE_MIN:
        return None
    return only(index.loose.get(loose_key), people())


def candidates(surface: str) -> list[Person]:
    """Every person a surface could name, ambiguous keys included (for review tools)."""
    if not surface or not surface.strip():
        return []
    index = _index()
    stripped = strip_honorifics(surface)
    ids: set[str] = set()
    ids.update(index.folded.get(fold(surface), ()))
    ids.update(index.folded.get(fold(stripped), ()))
    key = name_key(stripped)
    if len(key.split()) >= 2:
        ids.update(index.keys.get(key, ()))
        ids.update(index.loose.get(_loose_key(key), ()))
    table = people()
    return [table[i] for i in sorted(ids)]


# --- surface forms for matchers ----------------------------------------------------

@lru_cache(maxsize=1)
def _forms() -> tuple[tuple[str, str], ...]:
    owners: dict[str, set[str]] = {}
    ordered: list[tuple[str, str]] = []
    for person in people().values():
        for form in _full_forms(person):
            for variant in _variants(form):
                if _is_bare(variant):
                    continue  # bare names ("al-Baghdadi") are not forms
                owners.setdefault(fold(variant), set()).add(person.id)
                ordered.append((variant, person.id))
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str]] = []
    for variant, person_id in ordered:
        if len(owners[fold(variant)]) > 1 or (variant, person_id) in seen:
            continue  # a form two people share names neither
        seen.add((variant, person_id))
        out.append((variant, person_id))
    return tuple(out)


def person_forms() -> list[tuple[str, str]]:
    """(surface form, person id) for a PhraseMatcher: full names and aliases of two or more words."""
    return list(_forms())


def roles_at(person_id: str, year: int | None) -> list[Role]:
    """The roles a person held in a year (every role when year is None)."""
    person = people().get(person_id)
    if person is None:
        return []
    if year is None:
        return list(person.roles)
    return [role for role in person.roles if role.held_in(year)]
