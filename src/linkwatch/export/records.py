"""The knowledge base as a stream of plain export records, one kind at a time.

Every exporter takes any iterable of these records (so tests feed literals):

    {"kind": "document", "id", "title", "url", "outlet", "published", "source"}
    {"kind": "entity", "id", "name", "type", "aliases", "watchlisted", "watchlists", "documents", "sources"}
    {"kind": "relation", "id", "subject", "predicate", "object", "roles", "modality", "confidence",
     "time", "sources", "documents", "evidence": [{"document", "quote", "start", "end", "modality"}]}
    {"kind": "event", "id", "type", "name", "date", "place", "participants": [{"entity", "role"}],
     "organizers", "modality", "confidence", "sources", "documents", "evidence": [...]}

Documents come first, then entities, so a writer can resolve references as it
goes. Ids are knowledge-base ids (``kb_id``), the same the CLI shows.
"""
from __future__ import annotations

import hashlib
from collections import defaultdict
from typing import Iterator

from sqlalchemy import select
from sqlalchemy.orm import aliased

from linkwatch.analysis.source import ENTITY_COLUMNS, EVENT_COLUMNS
from linkwatch.store.schema import claims, clusters, documents, evidence, kb_entities, kb_events


def relation_id(subject: str, predicate: str, obj: str) -> str:
    return "rel-" + hashlib.sha1(f"{subject}\x1f{predicate}\x1f{obj}".encode()).hexdigest()[:20]


def _evidence(conn, claim_ids: dict[str, str]) -> dict[str, list[dict]]:
    """group id → evidence rows of its claims (claim id → group id given)."""
    out: dict[str, list[dict]] = defaultdict(list)
    ids = list(claim_ids)
    for i in range(0, len(ids), 5000):
        rows = conn.execute(select(evidence.c.claim_id, evidence.c.document_id, evidence.c.quote, evidence.c.start,
                                   evidence.c.end, evidence.c.modality, evidence.c.confidence).where(evidence.c.claim_id.in_(ids[i:i + 5000]))
                            .order_by(evidence.c.document_id, evidence.c.start))
        for r in rows:
            item = {"document": r.document_id, "quote": r.quote, "start": r.start, "end": r.end,
                    "modality": r.modality, "confidence": r.confidence}
            group = out[claim_ids[r.claim_id]]
            if item not in group:
                group.append(item)
    return out


def iter_records(conn) -> Iterator[dict]:
    """Documents, entities, relations, then events of the whole knowledge base."""
    from linkwatch.store.query import watchlist_hits

    syndicated = {}
    doc_columns = (documents.c.id, documents.c.title, documents.c.url, documents.c.outlet, documents.c.published,
                   documents.c.source, documents.c.syndicated_of)
    for r in conn.execute(select(*doc_columns).where(documents.c.status == "done").order_by(documents.c.id)):
        syndicated[r.id] = r.syndicated_of or r.id
        yield {"kind": "document", "id": r.id, "title": r.title, "url": r.url, "outlet": r.outlet,
               "published": r.published, "source": r.source}
    lists = watchlist_hits(conn)
    for r in conn.execute(select(*ENTITY_COLUMNS).order_by(kb_entities.c.kb_id)):
        yield {"kind": "entity", "id": r.kb_id, "name": r.name, "type": r.type, "aliases": list(r.aliases or []),
               "watchlisted": bool(r.watchlisted), "watchlists": lists.get(r.kb_id, []),
               "documents": r.documents or 0, "sources": r.sources or 0}

    subj, obj = aliased(clusters), aliased(clusters)
    rows = conn.execute(select(claims.c.id, claims.c.document_id, claims.c.predicate, claims.c.role,
                               claims.c.modality, claims.c.confidence, claims.c.time_value,
                               subj.c.kb_id.label("a"), obj.c.kb_id.label("b"))
                        .select_from(claims.join(subj, subj.c.item_id == claims.c.subject)
                                     .join(obj, obj.c.item_id == claims.c.object))
                        .where(claims.c.kind == "relation"))
    groups: dict[tuple, dict] = {}
    claim_group: dict[str, str] = {}
    for r in rows:
        if r.a == r.b:
            continue
        rid = relation_id(r.a, r.predicate, r.b)
        g = groups.setdefault((r.a, r.predicate, r.b), {
            "kind": "relation", "id": rid, "subject": r.a, "predicate": r.predicate, "object": r.b,
            "roles": set(), "modality": set(), "confidence": 0.0, "time": set(), "documents": set()})
        if r.role:
            g["roles"].add(r.role)
        g["modality"].add(r.modality or "asserted")
        g["confidence"] = max(g["confidence"], r.confidence or 0.0)
        if r.time_value:
            g["time"].add(r.time_value)
        g["documents"].add(r.document_id)
        claim_group[r.id] = rid
    quotes = _evidence(conn, claim_group)
    for key in sorted(groups):
        g = groups[key]
        docs = sorted(g["documents"])
        yield dict(g, roles=sorted(g["roles"]), modality=sorted(g["modality"]), time=min(g["time"], default=None),
                   confidence=round(g["confidence"], 3), documents=docs,
                   sources=len({syndicated.get(d, d) for d in docs}), evidence=quotes.get(g["id"], []))

    ev = aliased(clusters)
    ent = aliased(clusters)
    rows = conn.execute(select(claims.c.id, claims.c.document_id, claims.c.predicate, claims.c.role,
                               claims.c.modality, claims.c.confidence, ev.c.kb_id.label("event"),
                               ent.c.kb_id.label("entity"))
                        .select_from(claims.join(ev, ev.c.item_id == claims.c.subject)
                                     .join(ent, ent.c.item_id == claims.c.object))
                        .where(claims.c.kind == "participation"))
    parts: dict[str, dict] = defaultdict(lambda: {"participants": {}, "organizers": set(), "modality": set(),
                                                  "documents": set(), "confidence": 0.0, "places": set()})
    claim_group = {}
    for r in rows:
        p = parts[r.event]
        if r.predicate == "participant":
            p["participants"].setdefault(r.entity, r.role)
        elif r.predicate == "organizer":
            p["organizers"].add(r.entity)
        elif r.predicate == "location":
            p["places"].add(r.entity)
        p["modality"].add(r.modality or "asserted")
        p["documents"].add(r.document_id)
        p["confidence"] = max(p["confidence"], r.confidence or 0.0)
        claim_group[r.id] = r.event
    quotes = _evidence(conn, claim_group)
    for r in conn.execute(select(*EVENT_COLUMNS).order_by(kb_events.c.kb_id)):
        p = parts.get(r.kb_id) or {"participants": {}, "organizers": set(), "modality": set(), "documents": set(),
                                   "confidence": 0.0, "places": set()}
        docs = sorted(p["documents"])
        yield {"kind": "event", "id": r.kb_id, "type": r.type, "name": r.name, "date": r.time_value,
               "date_conflict": r.time_conflict or None,
               "place": r.location_kb or (sorted(p["places"])[0] if p["places"] else None),
               "participants": [{"entity": e, "role": role} for e, role in sorted(p["participants"].items())],
               "organizers": sorted(p["organizers"]), "modality": sorted(p["modality"]) or ["asserted"],
               "confidence": round(p["confidence"] or (r.confidence or 0.0), 3),
               "sources": len({syndicated.get(d, d) for d in docs}) or (r.sources or 0), "documents": docs,
               "evidence": quotes.get(r.kb_id, [])[:10]}
