"""Write one per-document report into the store, as claims with evidence.

``write_report`` runs in one transaction per document: it deletes whatever
that document had stored before (a changed version replaces the document's
claims only), inserts records, events, claims and evidence, and marks the
document ``done``. Ids hash key fields, so writing the same report twice
gives the same rows.
"""
from __future__ import annotations

import hashlib
import json
import logging
from typing import Iterable

from collections import Counter

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from linkwatch.resolve import syndication
from linkwatch.resolve.names import fold, name_key
from linkwatch.resolve.reference import reference_id
from linkwatch.store import schema
from linkwatch.store.db import now

log = logging.getLogger(__name__)

PER_DOCUMENT = (schema.records, schema.events, schema.claims, schema.evidence, schema.fingerprints,
                schema.signatures, schema.signature_bands)


def hid(*parts) -> str:
    """A short stable id hashing its parts."""
    raw = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:24]


def record_id(document_id: str, entity: dict) -> str:
    """Stable across re-extraction: document, type and folded name, not the local E-number."""
    return hid(document_id, entity.get("type"), fold(entity.get("name") or "") or entity.get("id"))


def event_id(document_id: str, event: dict) -> str:
    return hid(document_id, "event", event.get("id"))


def stored_hash(conn: Connection, document_id: str) -> tuple[str, str] | None:
    row = conn.execute(select(schema.documents.c.content_hash, schema.documents.c.status)
                       .where(schema.documents.c.id == document_id)).first()
    return (row[0], row[1]) if row else None


def forget_document(conn: Connection, document_id: str) -> None:
    for table in PER_DOCUMENT:
        conn.execute(delete(table).where(table.c.document_id == document_id))
    conn.execute(delete(schema.documents).where(schema.documents.c.id == document_id))


def write_report(conn: Connection, report: dict, *, extractor: str | None = None,
                 fingerprints: Iterable[int] = (), simhash: int | None = None,
                 syndicated_of: str | None = None, signatures: dict[str, list[int]] | None = None) -> dict:
    """Replace the document's rows with this report's; returns counts of what was written."""
    doc = report["document"]
    document_id = str(doc["id"])
    forget_document(conn, document_id)
    conn.execute(schema.documents.insert().values(
        id=document_id, content_hash=doc.get("content_hash") or hid(json.dumps(report, sort_keys=True)),
        source=doc.get("source"), url=doc.get("url"), title=doc.get("title"), outlet=doc.get("outlet"),
        published=doc.get("published"), language=doc.get("language"), ingested_at=now(),
        extractor=extractor or report.get("extractor"), status="pending", report=report,
        simhash=simhash, syndicated_of=syndicated_of))

    local: dict[str, str] = {}
    rows, seen = [], set()
    for entity in report.get("entities", []):
        rid = record_id(document_id, entity)
        if rid in seen:  # two report entities with one name: keep them apart
            rid = hid(rid, entity.get("id"))
        seen.add(rid)
        local[str(entity.get("id"))] = rid
        rows.append(dict(id=rid, document_id=document_id, local_id=str(entity.get("id")),
                         type=entity.get("type") or "other", name=entity.get("name") or "",
                         aliases=list(entity.get("aliases") or []), name_key=name_key(entity.get("name") or "")[:300],
                         ref_id=reference_id(entity),
                         mention_count=len(entity.get("mentions") or [])))
    if rows:
        conn.execute(schema.records.insert(), rows)

    claims, evidence = {}, {}

    def add_claim(kind, subject, predicate, obj=None, value=None, role=None, modality=None,
                  time_value=None, confidence=None, support=()):
        cid = hid(document_id, kind, subject, predicate, obj, value, role)
        if cid not in claims:
            claims[cid] = dict(id=cid, document_id=document_id, kind=kind, subject=subject, predicate=predicate,
                               object=obj, value=value, role=role, modality=modality,
                               time_value=time_value, confidence=confidence)
        for ev in support or ():
            if not isinstance(ev, dict):
                continue
            eid = hid(cid, ev.get("start"), ev.get("end"), ev.get("text"))
            evidence[eid] = dict(id=eid, claim_id=cid, document_id=document_id, start=ev.get("start"),
                                 end=ev.get("end"), quote=ev.get("text"), modality=modality,
                                 extractor=extractor, confidence=confidence)

    for rel in report.get("relations", []):
        subject, obj = local.get(str(rel.get("subject"))), local.get(str(rel.get("object")))
        if not subject or not obj:
            continue
        time = rel.get("time")
        add_claim("relation", subject, rel.get("predicate") or "related_to", obj=obj, role=rel.get("role"),
                  modality=rel.get("modality"), confidence=rel.get("confidence"),
                  time_value=time.get("value") if isinstance(time, dict) else time,
                  support=rel.get("evidence"))

    event_rows = []
    for ev in report.get("events", []):
        vid = event_id(document_id, ev)
        time = ev.get("time") if isinstance(ev.get("time"), dict) else {"value": ev.get("time")}
        modality, conf, support = ev.get("modality"), ev.get("confidence"), ev.get("evidence")
        event_rows.append(dict(id=vid, document_id=document_id, local_id=str(ev.get("id")), type=ev.get("type") or "other",
                               name=ev.get("name"), time_value=time.get("value"), time_text=time.get("text"),
                               location_record=local.get(str(ev.get("location"))),
                               organizer_record=local.get(str(ev.get("organizer"))), modality=modality))
        for part in ev.get("participants") or []:
            rid = local.get(str(part.get("entity") if isinstance(part, dict) else part))
            if rid:
                add_claim("participation", vid, "participant", obj=rid,
                          role=part.get("role") if isinstance(part, dict) else None,
                          modality=modality, confidence=conf, support=support)
        for predicate in ("organizer", "location"):
            rid = local.get(str(ev.get(predicate)))
            if rid:
                add_claim("participation", vid, predicate, obj=rid, modality=modality, confidence=conf,
                          support=support)
        add_claim("attribute", vid, "type", value=ev.get("type"), modality=modality, confidence=conf, support=support)
        if time.get("value"):
            add_claim("attribute", vid, "time", value=time.get("value"), modality=modality, confidence=conf,
                      time_value=time.get("value"), support=support)
        if ev.get("name"):
            add_claim("attribute", vid, "name", value=ev.get("name"), modality=modality, confidence=conf,
                      support=support)
    if event_rows:
        conn.execute(schema.events.insert(), event_rows)
    if claims:
        conn.execute(schema.claims.insert(), list(claims.values()))
    if evidence:
        conn.execute(schema.evidence.insert(), list(evidence.values()))
    prints = [{"hash": h, "document_id": document_id} for h in sorted(set(fingerprints))]
    if prints:
        conn.execute(schema.fingerprints.insert(), prints)
    for kind, signature in (signatures or {}).items():
        conn.execute(schema.signatures.insert().values(document_id=document_id, kind=kind, signature=signature))
        conn.execute(schema.signature_bands.insert(), [dict(document_id=document_id, kind=kind, band=i, hash=h)
                                                       for i, h in enumerate(syndication.bands(signature))])
    conn.execute(schema.documents.update().where(schema.documents.c.id == document_id).values(status="done"))
    return {"entities": len(rows), "events": len(event_rows), "claims": len(claims), "evidence": len(evidence)}


def record_failure(conn: Connection, source: str, reason: str, code: str | None) -> None:
    conn.execute(delete(schema.failures).where(schema.failures.c.source == source))
    conn.execute(schema.failures.insert().values(source=source, reason=reason, code=code, at=now()))


def clear_failure(conn: Connection, source: str | None) -> None:
    if source:
        conn.execute(delete(schema.failures).where(schema.failures.c.source == source))


def copied_from(conn: Connection, document_id: str, prints: list[int], *, threshold: float = 0.25,
                min_shared: int = 6) -> str | None:
    """The earlier document this one copies (whole or in part), or None."""
    if not prints:
        return None
    shared: Counter = Counter()
    fp = schema.fingerprints
    for i in range(0, len(prints), 500):
        chunk = prints[i:i + 500]
        rows = conn.execute(select(fp.c.document_id, func.count()).where(fp.c.hash.in_(chunk))
                            .where(fp.c.document_id != document_id).group_by(fp.c.document_id))
        for doc, n in rows:
            shared[doc] += n
    if not shared:
        return None
    doc, n = shared.most_common(1)[0]
    if n >= min_shared or n / len(prints) >= threshold:
        root = conn.execute(select(schema.documents.c.syndicated_of).where(schema.documents.c.id == doc)).scalar()
        return root or doc
    return None


def reworded_from(conn: Connection, document_id: str, signatures: dict[str, list[int]], *,
                  outlet: str | None = None, published: str | None = None, candidates: int = 20) -> str | None:
    """The earlier document from another outlet this one rewords (``resolve.syndication``), or None.

    Candidates are the documents sharing an LSH band (indexed lookup); only
    the ``candidates`` sharing most bands have their signatures compared.
    """
    bands_t, sigs_t, docs = schema.signature_bands, schema.signatures, schema.documents
    for kind, signature in signatures.items():
        keys = list(enumerate(syndication.bands(signature)))
        shared: Counter = Counter()
        for band, h in keys:
            for (doc,) in conn.execute(select(bands_t.c.document_id).where(
                    bands_t.c.kind == kind, bands_t.c.band == band, bands_t.c.hash == h,
                    bands_t.c.document_id != document_id)):
                shared[doc] += 1
        threshold = syndication.TEXT_THRESHOLD if kind == "text" else syndication.CLAIM_THRESHOLD
        for doc, _n in shared.most_common(candidates):
            row = conn.execute(select(docs.c.outlet, docs.c.published, docs.c.syndicated_of)
                               .where(docs.c.id == doc)).first()
            if row is None or (outlet and row.outlet and fold(outlet) == fold(row.outlet)):
                continue
            if kind == "claims" and not _within_days(published, row.published, syndication.CLAIM_DAYS):
                continue
            other = conn.execute(select(sigs_t.c.signature).where(sigs_t.c.document_id == doc,
                                                                  sigs_t.c.kind == kind)).scalar()
            if other and syndication.similarity(signature, list(other)) >= threshold:
                return row.syndicated_of or doc
    return None


def _within_days(a: str | None, b: str | None, days: int) -> bool:
    from datetime import date
    try:
        return abs((date.fromisoformat(str(a)[:10]) - date.fromisoformat(str(b)[:10])).days) <= days
    except (TypeError, ValueError):
        return False
