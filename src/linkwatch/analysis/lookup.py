"""Find an entity by what an analyst types: its id, its name, an alias, or something close.

Exact matches (id, then name, then the spelling-variant key, then an alias)
win; several exact matches are :class:`~linkwatch.errors.Ambiguous` and list
the candidates; no match is :class:`~linkwatch.errors.LookupFailed` with the
closest names as suggestions (rapidfuzz).
"""
from __future__ import annotations

import logging

from rapidfuzz import fuzz, process
from sqlalchemy import func, select

from linkwatch.analysis.source import entity_rows
from linkwatch.errors import Ambiguous, LookupFailed
from linkwatch.store.schema import clusters, kb_entities, records

log = logging.getLogger(__name__)


def describe(entity: dict) -> str:
    return f"{entity['name']} ({entity['type']}, id {entity['id']}, {entity['documents']} documents)"


def _pick(found: dict[str, dict], name: str, types: tuple[str, ...] | None) -> dict | None:
    if types:
        found = {k: v for k, v in found.items() if v["type"] in types}
    if not found:
        return None
    if len(found) == 1:
        return next(iter(found.values()))
    ranked = sorted(found.values(), key=lambda e: (-e["documents"], e["name"]))
    raise Ambiguous(f"{name!r} matches {len(ranked)} entities", suggestions=[describe(e) for e in ranked[:10]])


def _name_key(name: str) -> str | None:
    try:
        from linkwatch.resolve.names import name_key
    except ImportError:  # resolution not installed: exact names only
        return None
    return name_key(name) or None


def find_entity(conn, name: str, *, types: tuple[str, ...] | None = None, limit: int = 5) -> dict:
    """The one entity ``name`` designates; raises LookupFailed / Ambiguous."""
    query = name.strip()
    if not query:
        raise LookupFailed("empty entity name")
    by_id = entity_rows(conn, [query])
    if by_id:
        return next(iter(by_id.values()))

    rows = conn.execute(select(kb_entities.c.kb_id).where(func.lower(kb_entities.c.name) == query.lower()))
    picked = _pick(entity_rows(conn, [r.kb_id for r in rows]), query, types)
    if picked:
        return picked

    key = _name_key(query)
    if key:
        rows = conn.execute(select(clusters.c.kb_id).select_from(
            records.join(clusters, clusters.c.item_id == records.c.id)).where(records.c.name_key == key)
            .distinct())
        picked = _pick(entity_rows(conn, [r.kb_id for r in rows]), query, types)
        if picked:
            return picked

    # aliases and fuzzy suggestions need the names of every entity: only on a miss
    names: dict[str, str] = {}
    canonical: dict[str, str] = {}
    alias_hits: set[str] = set()
    folded = query.casefold()
    stmt = select(kb_entities.c.kb_id, kb_entities.c.name, kb_entities.c.aliases, kb_entities.c.type)
    if types:
        stmt = stmt.where(kb_entities.c.type.in_(types))
    for r in conn.execute(stmt):
        names[f"{r.kb_id}\x00{r.name}"] = r.name
        canonical[r.kb_id] = r.name
        for alias in r.aliases or []:
            if alias.casefold() == folded:
                alias_hits.add(r.kb_id)
            names[f"{r.kb_id}\x00{alias}"] = alias
    picked = _pick(entity_rows(conn, alias_hits), query, types)
    if picked:
        return picked

    matches = process.extract(query, names, scorer=fuzz.WRatio, limit=limit * 6, score_cutoff=70)
    suggestions: list[str] = []
    for _, _, key_ in matches:
        label = names.get(key_.split("\x00", 1)[0] + "\x00" + key_.split("\x00", 1)[1])
        entity_name = canonical[key_.split("\x00", 1)[0]]
        if len(label) < 3 and len(query) > 4:
            continue  # a short acronym "matches" any long name partially
        if entity_name not in suggestions:
            suggestions.append(entity_name)
        if len(suggestions) >= limit:
            break
    raise LookupFailed(f"no entity named {query!r}", suggestions=suggestions)
