"""Reference data as a resolution anchor, degrading gracefully while it lands.

An organisation whose name (or alias) matches the project's reference list
(``linkwatch.model.reference.match_org``) is anchored to that organisation's
id: every record with the same anchor is the same entity, and records with
different anchors are never merged by rule.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)

try:
    from linkwatch.model import reference as _reference
except ImportError:  # pragma: no cover - another engineer's module
    _reference = None


def _match(surface: str):
    if _reference is None or not hasattr(_reference, "match_org") or not surface:
        return None
    try:
        found = _reference.match_org(surface)
    except Exception as exc:  # noqa: BLE001 - reference data is optional; never break ingest
        log.debug("match_org(%r) failed: %s", surface, exc)
        return None
    if found is None:
        return None
    if isinstance(found, str):
        return found
    if isinstance(found, dict):
        return found.get("id")
    return getattr(found, "id", None)


def reference_id(entity: dict) -> str | None:
    """The entity's reference id: the report's own ``kb_id``, its ``ref_id`` (an organisation or person of
    the reference lists, a gazetteer place), or a reference-list match (organisations)."""
    if entity.get("kb_id"):
        return str(entity["kb_id"])
    if entity.get("ref_id"):  # the extractor's anchor: reference org, person or gazetteer place
        return str(entity["ref_id"])
    if entity.get("type") != "organization":
        return None
    for surface in [entity.get("name"), *(entity.get("aliases") or [])]:
        ref = _match(surface or "")
        if ref:
            return str(ref)
    return None


def watchlists_for(ref_id: str | None) -> list[dict]:
    if not ref_id or _reference is None or not hasattr(_reference, "watchlists_for"):
        return []
    try:
        found = _reference.watchlists_for(ref_id) or []
    except Exception as exc:  # noqa: BLE001
        log.debug("watchlists_for(%r) failed: %s", ref_id, exc)
        return []
    return [dict(w) if isinstance(w, dict) else {"list": str(w)} for w in found]
