"""Write per-document reports into the store, as claims with evidence.

``store_batch`` writes a batch of prepared reports in the caller's
transaction: it looks the batch's documents up in one query, deletes what a
*changed* document had stored before (a changed version replaces that
document's claims only; a new document has nothing to delete), finds
reprints and rewordings of earlier documents (stored ones through indexed
look-ups, earlier ones of the same batch in memory), and inserts every
table's rows with one multi-row statement per table for the whole batch.
``write_report`` does the same for one report. Ids hash key fields, so
writing the same report twice gives the same rows.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from sqlalchemy import and_, bindparam, delete, func, or_, select
from sqlalchemy.engine import Connection

from linkwatch.resolve import syndication
from linkwatch.resolve.names import fold, name_key
from linkwatch.resolve.reference import reference_id
from linkwatch.store import schema
from linkwatch.store.db import among, chunks, key_counts, now, plain_rows
from linkwatch.store.edges import touch

log = logging.getLogger(__name__)

PER_DOCUMENT = (schema.records, schema.events, schema.claims, schema.evidence, schema.fingerprints,
                schema.signatures, schema.signature_bands)
# insertion order of a batch's rows (documents first, as a reader of the finished transaction expects nothing else)
TABLES = (schema.documents, *PER_DOCUMENT)
IN_CHUNK = 500   # ids per IN (...) list


def hid(*parts) -> str:
    """A short stable id hashing its parts."""
    raw = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:24]


def record_id(document_id: str, entity: dict) -> str:
    """Stable across re-extraction: document, type and folded name, not the local E-number."""
    return hid(document_id, entity.get("type"), fold(entity.get("name") or "") or entity.get("id"))


def event_id(document_id: str, event: dict) -> str:
    return hid(document_id, "event", event.get("id"))


@dataclass
class Prepared:
    """A report with the text fingerprints it is stored with (``prepare``; pure, so a worker can make it)."""
    report: dict
    fingerprints: list = field(default_factory=list)
    simhash: int | None = None
    signatures: dict = field(default_factory=dict)
    bands: dict = field(default_factory=dict)   # kind → the LSH band hashes of that signature

    def __post_init__(self) -> None:
        for kind, signature in self.signatures.items():
            if kind not in self.bands:
                self.bands[kind] = syndication.bands(signature)

    @property
    def document_id(self) -> str:
        return str(self.report["document"]["id"])


def prepare(report: dict, text: str) -> Prepared:
    folded = fold(text)
    return Prepared(report, fingerprints=syndication.fingerprints(text, folded=folded),
                    simhash=syndication.simhash(text, folded=folded) if text else None,
                    signatures=syndication.signatures(text, report, folded=folded))


def stored_hash(conn: Connection, document_id: str) -> tuple[str, str] | None:
    return stored_hashes(conn, [document_id]).get(document_id)


def stored_hashes(conn: Connection, document_ids: list[str]) -> dict[str, tuple[str, str]]:
    """``{document id: (content hash, status)}`` for those of ``document_ids`` that are stored (one query a chunk)."""
    d = schema.documents
    out = {}
    for chunk in chunks(dict.fromkeys(document_ids), IN_CHUNK):
        for row in conn.execute(select(d.c.id, d.c.content_hash, d.c.status).where(among(conn, d.c.id, chunk))):
            out[row[0]] = (row[1], row[2])
    return out


def forget_document(conn: Connection, document_id: str) -> None:
    forget_documents(conn, [document_id])


def forget_documents(conn: Connection, document_ids: list[str]) -> None:
    for chunk in chunks(document_ids, IN_CHUNK):
        for table in PER_DOCUMENT:
            conn.execute(delete(table).where(among(conn, table.c.document_id, chunk)))
        conn.execute(delete(schema.documents).where(among(conn, schema.documents.c.id, chunk)))


def insert_rows(conn: Connection, rows: dict) -> None:
    """Insert ``{table: [row, ...]}``, tables in ``TABLES`` order, one statement a table (``COPY`` on
    PostgreSQL)."""
    touch(conn)  # claims changed: the analysis aggregates are stale until refresh_edges
    for table in TABLES:
        if rows.get(table):
            if conn.dialect.name == "sqlite" and table is schema.documents:
                conn.execute(table.insert(), rows[table])  # DateTime columns: their text form is SQLAlchemy's
            else:
                plain_rows(conn, table, rows[table])


def write_report(conn: Connection, report: dict, *, extractor: str | None = None,
                 fingerprints: Iterable[int] = (), simhash: int | None = None,
                 syndicated_of: str | None = None, signatures: dict[str, list[int]] | None = None) -> dict:
    """Replace the document's rows with this report's; returns counts of what was written."""
    document_id = str(report["document"]["id"])
    forget_document(conn, document_id)
    rows = report_rows(report, extractor=extractor, fingerprints=fingerprints, simhash=simhash,
                       syndicated_of=syndicated_of, signatures=signatures)
    insert_rows(conn, rows)
    return {"entities": len(rows[schema.records]), "events": len(rows[schema.events]),
            "claims": len(rows[schema.claims]), "evidence": len(rows[schema.evidence])}


def place_geo(entity: dict) -> dict | None:
    """What resolution compares places by: a location's point, country and kind, when its report gave a point."""
    geo = entity.get("geo") or {}
    if entity.get("type") != "location" or geo.get("lat") is None or geo.get("lon") is None:
        return None
    return {k: geo.get(k) for k in ("lat", "lon", "country", "kind")}


def report_rows(report: dict, *, extractor: str | None = None, fingerprints: Iterable[int] = (),
                simhash: int | None = None, syndicated_of: str | None = None,
                signatures: dict[str, list[int]] | None = None, bands: dict[str, list[int]] | None = None) -> dict:
    """``{table: [row, ...]}`` of one report (no database access)."""
    doc = report["document"]
    document_id = str(doc["id"])
    out: dict = {table: [] for table in TABLES}
    # written in the same transaction as the document's rows, so ``done`` at once (``pending`` is what a store
    # written by older versions may still hold for a document that was cut off half-way)
    out[schema.documents].append(dict(
        id=document_id, content_hash=doc.get("content_hash") or hid(json.dumps(report, sort_keys=True)),
        source=doc.get("source"), url=doc.get("url"), title=doc.get("title"), outlet=doc.get("outlet"),
        published=doc.get("published"), language=doc.get("language"), ingested_at=now(),
        extractor=extractor or report.get("extractor"), status="done", report=report,
        simhash=simhash, syndicated_of=syndicated_of))

    local: dict[str, str] = {}
    rows, seen = out[schema.records], set()
    for entity in report.get("entities", []):
        rid = record_id(document_id, entity)
        if rid in seen:  # two report entities with one name: keep them apart
            rid = hid(rid, entity.get("id"))
        seen.add(rid)
        local[str(entity.get("id"))] = rid
        rows.append(dict(id=rid, document_id=document_id, local_id=str(entity.get("id")),
                         type=entity.get("type") or "other", name=entity.get("name") or "",
                         aliases=list(entity.get("aliases") or []), name_key=name_key(entity.get("name") or "")[:300],
                         ref_id=reference_id(entity), geo=place_geo(entity),
                         mention_count=len(entity.get("mentions") or [])))

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
    out[schema.events] = event_rows
    out[schema.claims] = list(claims.values())
    out[schema.evidence] = list(evidence.values())
    out[schema.fingerprints] = [{"hash": h, "document_id": document_id} for h in sorted(set(fingerprints))]
    for kind, signature in (signatures or {}).items():
        out[schema.signatures].append(dict(document_id=document_id, kind=kind, signature=signature))
        out[schema.signature_bands].extend(dict(document_id=document_id, kind=kind, band=i, hash=h)
                                           for i, h in enumerate((bands or {}).get(kind) or syndication.bands(signature)))
    return out


class BatchIndex:
    """The fingerprints, bands and signatures of the documents written so far in one batch (not yet
    queryable in the database until the batch's rows are inserted), so a copy of an earlier document of
    the same batch is found as it would be in the store."""

    def __init__(self) -> None:
        self.prints: dict[int, list[str]] = defaultdict(list)
        self.bands: dict[tuple, list[str]] = defaultdict(list)
        self.signatures: dict[tuple, list[int]] = {}
        self.documents: dict[str, tuple] = {}   # id → (outlet, published, syndicated_of)

    def add(self, item: Prepared, syndicated_of: str | None) -> None:
        document_id, doc = item.document_id, item.report["document"]
        for h in set(item.fingerprints):
            self.prints[h].append(document_id)
        for kind, signature in item.signatures.items():
            self.signatures[(document_id, kind)] = signature
            for band, h in enumerate(item.bands[kind]):
                self.bands[(kind, band, h)].append(document_id)
        self.documents[document_id] = (doc.get("outlet"), doc.get("published"), syndicated_of)


POSTING_CAP = 64  # documents kept a fingerprint or band (see _capped)


def store_batch(conn: Connection, batch: list[Prepared], *, extractor: str | None = None) -> list[tuple[str, str]]:
    """Write a batch of prepared reports (distinct document ids) in the caller's transaction.

    Returns ``(status, source)`` per report, ``status`` ``new`` or ``changed``.
    """
    before = stored_hashes(conn, [item.document_id for item in batch])
    forget_documents(conn, [d for d in (item.document_id for item in batch) if d in before])
    index = BatchIndex()
    rows: dict = {table: [] for table in TABLES}
    statuses = []
    # how many stored documents hold each fingerprint and band (at most POSTING_CAP each: _capped)
    held = key_counts(conn, schema.fingerprints, ("hash",), {(h,) for item in batch for h in item.fingerprints})
    for item in batch:
        document_id, doc = item.document_id, item.report["document"]
        common = {h for h in item.fingerprints if held[(h,)] >= POSTING_CAP}
        copy_of = copied_from(conn, document_id, item.fingerprints, pending=index, common=common) or \
            reworded_from(conn, document_id, item.signatures, outlet=doc.get("outlet"),
                          published=doc.get("published"), pending=index, bands=item.bands)
        for table, table_rows in report_rows(item.report, extractor=extractor, fingerprints=item.fingerprints,
                                             simhash=item.simhash, syndicated_of=copy_of,
                                             signatures=item.signatures, bands=item.bands).items():
            rows[table].extend(table_rows)
        index.add(item, copy_of)
        statuses.append(("changed" if document_id in before else "new", doc.get("source") or document_id))
    rows[schema.fingerprints] = _capped(rows[schema.fingerprints], ("hash",), held)
    key = ("kind", "band", "hash")
    rows[schema.signature_bands] = _capped(rows[schema.signature_bands], key, key_counts(
        conn, schema.signature_bands, key, {tuple(row[k] for k in key) for row in rows[schema.signature_bands]}))
    insert_rows(conn, rows)
    clear_failures(conn, [item.report["document"].get("source") for item in batch])
    return statuses


def _capped(rows: list[dict], key: tuple[str, ...], held: Counter) -> list[dict]:
    """``rows`` without those whose key (a text fingerprint, a signature band) already stands for
    ``POSTING_CAP`` documents (``held``): boilerplate ("officials said on Monday"), which says nothing about
    copying and would make every look-up read the whole store. The first documents to hold a key keep
    it, so the copies of a story reprinted everywhere still find it."""
    counts, kept = Counter(held), []
    for row in rows:
        value = tuple(row[k] for k in key)
        if counts[value] < POSTING_CAP:
            counts[value] += 1
            kept.append(row)
    return kept


def record_failure(conn: Connection, source: str, reason: str, code: str | None) -> None:
    conn.execute(delete(schema.failures).where(schema.failures.c.source == source))
    conn.execute(schema.failures.insert().values(source=source, reason=reason, code=code, at=now()))


def clear_failure(conn: Connection, source: str | None) -> None:
    clear_failures(conn, [source])


def clear_failures(conn: Connection, sources: list[str | None]) -> None:
    for chunk in chunks([s for s in dict.fromkeys(sources) if s], IN_CHUNK):
        conn.execute(delete(schema.failures).where(among(conn, schema.failures.c.source, chunk)))


def copied_from(conn: Connection, document_id: str, prints: list[int], *, threshold: float = 0.25,
                min_shared: int = 6, pending: BatchIndex | None = None, common: set[int] = frozenset()) -> str | None:
    """The earlier document this one copies (whole or in part), or None (``pending``: the batch so far).

    One query: the stored document sharing most of the fingerprints (on a tie the smaller id), with its
    ``syndicated_of``; the batch's earlier documents are counted in memory, after the stored ones.
    ``common``: the prints held by ``POSTING_CAP`` documents already (``store_batch`` counts them a batch
    at a time).
    """
    if not prints:
        return None
    unique = sorted(set(prints))
    if common and len(unique) - len(common) >= len(unique) / 4:
        # boilerplate shared with many other stories says nothing of copying: look at the rest (a text made
        # of common prints only is itself a story reprinted everywhere, and keeps them)
        unique = [h for h in unique if h not in common]
        prints = unique
    best: tuple[int, str, str | None] | None = None
    if len(unique) <= IN_CHUNK:
        row = conn.execute(_BEST_COPY, {"prints": unique, "self": document_id}).first()
        if row is not None:
            best = (row[1], row[0], row[2])
    else:  # a long text: add the counts up over chunks
        shared: Counter = Counter()
        fp = schema.fingerprints
        for chunk in chunks(unique, IN_CHUNK):
            for doc, n in conn.execute(select(fp.c.document_id, func.count()).where(
                    among(conn, fp.c.hash, chunk), fp.c.document_id != document_id).group_by(fp.c.document_id)):
                shared[doc] += n
        if shared:
            doc = min(shared, key=lambda d: (-shared[d], d))
            root = conn.execute(select(schema.documents.c.syndicated_of)
                                .where(schema.documents.c.id == doc)).scalar()
            best = (shared[doc], doc, root)
    if pending is not None:
        counts: Counter = Counter()
        for h in unique:
            for doc in pending.prints.get(h, ()):
                if doc != document_id:
                    counts[doc] += 1
        for doc, n in counts.items():  # batch order: an earlier document wins a tie
            if best is None or n > best[0]:
                best = (n, doc, pending.documents[doc][2])
    if best is None:
        return None
    n, doc, root = best
    if n >= min_shared or n / len(prints) >= threshold:
        return root or doc
    return None


def _best_copy_query():
    fp, docs = schema.fingerprints, schema.documents
    n = func.count().label("n")
    best = select(fp.c.document_id, n).where(fp.c.hash.in_(bindparam("prints", expanding=True)),
                                             fp.c.document_id != bindparam("self")) \
        .group_by(fp.c.document_id).order_by(n.desc(), fp.c.document_id).limit(1).subquery()
    return select(best.c.document_id, best.c.n, docs.c.syndicated_of).join(docs, docs.c.id == best.c.document_id)


_BEST_COPY = _best_copy_query()


def reworded_from(conn: Connection, document_id: str, signatures: dict[str, list[int]], *,
                  outlet: str | None = None, published: str | None = None, candidates: int = 20,
                  pending: BatchIndex | None = None, bands: dict[str, list[int]] | None = None) -> str | None:
    """The earlier document from another outlet this one rewords (``resolve.syndication``), or None.

    Candidates are the documents sharing an LSH band (one indexed look-up per signature kind); only the
    ``candidates`` sharing most bands have their signatures compared (read in one query).
    """
    bands_t, sigs_t, docs = schema.signature_bands, schema.signatures, schema.documents
    for kind, signature in signatures.items():
        keys = list(enumerate((bands or {}).get(kind) or syndication.bands(signature)))
        n = func.count().label("n")
        # the stored documents sharing most bands, counted by the database (ties: the first band, then id)
        ranked = [(-r.n, 0, r.first, r.document_id) for r in conn.execute(
            select(bands_t.c.document_id, n, func.min(bands_t.c.band).label("first")).where(
                or_(*[and_(bands_t.c.kind == kind, bands_t.c.band == band, bands_t.c.hash == h) for band, h in keys]),
                bands_t.c.document_id != document_id)
            .group_by(bands_t.c.document_id).order_by(n.desc(), "first", bands_t.c.document_id).limit(candidates))]
        if pending is not None:  # then the batch's earlier documents (after the stored ones on a tie)
            shared: Counter = Counter()
            for band, h in keys:
                for doc in pending.bands.get((kind, band, h), ()):
                    if doc != document_id:
                        shared[doc] += 1
            ranked += [(-count, 1, seq, doc) for seq, (doc, count) in enumerate(shared.items())]
        top = [doc for *_order, doc in sorted(ranked)[:candidates]]
        if not top:
            continue
        stored = [doc for doc in top if pending is None or doc not in pending.documents]
        meta, other_sigs = {}, {}
        if stored:
            meta = {row.id: (row.outlet, row.published, row.syndicated_of) for row in conn.execute(
                select(docs.c.id, docs.c.outlet, docs.c.published, docs.c.syndicated_of)
                .where(among(conn, docs.c.id, stored)))}
            other_sigs = dict(conn.execute(select(sigs_t.c.document_id, sigs_t.c.signature).where(
                among(conn, sigs_t.c.document_id, stored), sigs_t.c.kind == kind)).all())
        if pending is not None:
            for doc in top:
                if doc in pending.documents:
                    meta[doc] = pending.documents[doc]
                    other_sigs[doc] = pending.signatures.get((doc, kind))
        threshold = syndication.TEXT_THRESHOLD if kind == "text" else syndication.CLAIM_THRESHOLD
        for doc in top:
            row = meta.get(doc)
            if row is None or (outlet and row[0] and fold(outlet) == fold(row[0])):
                continue
            if kind == "claims" and not _within_days(published, row[1], syndication.CLAIM_DAYS):
                continue
            other = other_sigs.get(doc)
            if other and syndication.similarity(signature, list(other)) >= threshold:
                return row[2] or doc
    return None


def _within_days(a: str | None, b: str | None, days: int) -> bool:
    from datetime import date
    try:
        return abs((date.fromisoformat(str(a)[:10]) - date.fromisoformat(str(b)[:10])).days) <= days
    except (TypeError, ValueError):
        return False
