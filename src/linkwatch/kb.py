"""Build the knowledge base: read → extract → store → resolve (``ingest_paths``).

The stream is processed one document at a time, so memory does not grow
with the corpus:

1. documents whose id and content hash are already stored are skipped
   before extraction (re-ingesting an unchanged document adds nothing);
2. each report is written in its own transaction, replacing only that
   document's earlier rows (a changed version); a failed document is
   recorded with its reason and the batch goes on;
3. resolution runs once at the end over the store (and again on the next
   run if it was interrupted: any record without a cluster marks it due).

An ingest killed half-way leaves whole documents stored and the rest
absent; running it again finishes the job.
"""
from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Callable, Iterable, Iterator

from sqlalchemy import func, select

from linkwatch.errors import StoreError
from linkwatch.ingest import read_paths
from linkwatch.model.records import Article, Failure
from linkwatch.resolve.syndication import fingerprints, signatures, simhash
from linkwatch.store import schema as S
from linkwatch.store.db import as_engine, reading, writing
from linkwatch.store.resolution import resolve_store
from linkwatch.store.write import clear_failure, copied_from, record_failure, reworded_from, stored_hash, \
    write_report

log = logging.getLogger(__name__)

IN_FLIGHT = 2048  # texts kept while their reports are being extracted (extraction batches are smaller)


def extractor_name() -> str:
    try:
        from importlib.metadata import version
        return f"linkwatch@{version('linkwatch')}"
    except Exception:  # noqa: BLE001 - metadata missing in a source checkout
        return "linkwatch@dev"


def ingest_paths(paths: Iterable[str], *, db=None, published: str | None = None, jobs: int = 1,
                 extract: Callable[[Iterable], Iterator] | None = None,
                 progress: Callable[[str, str], None] | None = None, resolve: bool = True) -> dict:
    """Ingest files, directories, feeds or URLs into the knowledge base; returns a summary.

    ``extract`` turns a stream of Articles/Failures into reports/Failures
    (default: ``linkwatch.pipeline.extract_articles``); ``progress(status,
    source)`` is called once per document.
    """
    engine = as_engine(db)
    return ingest_articles(read_paths(paths, published=published), db=engine, jobs=jobs, extract=extract,
                           progress=progress, resolve=resolve)


WRITE_BATCH = 16  # documents stored per transaction


def ingest_articles(items: Iterable[Article | Failure], *, db=None, jobs: int = 1,
                    extract: Callable[[Iterable], Iterator] | None = None,
                    progress: Callable[[str, str], None] | None = None, resolve: bool = True) -> dict:
    engine = as_engine(db)
    if extract is None:
        from linkwatch.pipeline import extract_articles

        def extract(stream):
            return extract_articles(stream, jobs=jobs)
    summary = {"new": 0, "changed": 0, "unchanged": 0, "failed": 0, "failures": []}
    texts: OrderedDict[str, Article] = OrderedDict()
    tick = progress or (lambda status, source: None)
    version = extractor_name()

    def fail(item: Failure) -> None:
        summary["failed"] += 1
        if len(summary["failures"]) < 100:
            summary["failures"].append(str(item))
        with writing(engine, "record a failed document") as conn:
            record_failure(conn, item.source, item.reason, item.code)
        tick("failed", item.source)

    def todo() -> Iterator[Article]:
        for item in items:
            if isinstance(item, Failure):
                fail(item)
                continue
            with reading(engine, "check stored documents") as conn:
                known = stored_hash(conn, str(item.id))
            if known and known == (item.content_hash, "done"):
                summary["unchanged"] += 1
                tick("unchanged", item.source or item.id)
                continue
            texts[str(item.id)] = item
            while len(texts) > IN_FLIGHT:
                texts.popitem(last=False)
            yield item

    pending: list[tuple[dict, str]] = []

    def flush() -> None:
        """Store the pending reports in one transaction: all of them or none (a killed ingest
        leaves the store as it was before the batch, and running again finishes the job)."""
        if not pending:
            return
        statuses = []
        with writing(engine, f"store {len(pending)} documents") as conn:
            for out, text in pending:
                document_id = str(out["document"]["id"])
                prints = fingerprints(text)
                sigs = signatures(text, out)
                doc = out["document"]
                before = stored_hash(conn, document_id)
                copy_of = copied_from(conn, document_id, prints) or \
                    reworded_from(conn, document_id, sigs, outlet=doc.get("outlet"), published=doc.get("published"))
                write_report(conn, out, extractor=version, fingerprints=prints,
                             simhash=simhash(text) if text else None, syndicated_of=copy_of, signatures=sigs)
                clear_failure(conn, doc.get("source"))
                statuses.append(("changed" if before else "new", doc.get("source") or document_id))
        pending.clear()
        for status, source in statuses:
            summary[status] += 1
            tick(status, source)

    try:
        for out in extract(todo()):
            if isinstance(out, Failure):
                fail(out)
                continue
            article = texts.pop(str(out["document"]["id"]), None)
            pending.append((out, article.text if article else ""))
            if len(pending) >= WRITE_BATCH:
                flush()
    except BaseException as exc:
        if not isinstance(exc, StoreError):
            flush()  # keep what was extracted before the interruption
        raise
    flush()
    if resolve and (summary["new"] or summary["changed"] or resolution_due(engine)):
        summary.update(resolve_store(engine))
    summary.update(totals(engine))
    return summary


def resolution_due(engine) -> bool:
    """True when some stored record or event has no cluster (an interrupted run)."""
    with reading(engine, "check resolution") as conn:
        missing = conn.execute(select(func.count()).select_from(S.records).where(
            ~S.records.c.id.in_(select(S.clusters.c.item_id)))).scalar()
        if not missing:
            missing = conn.execute(select(func.count()).select_from(S.events).where(
                ~S.events.c.id.in_(select(S.clusters.c.item_id)))).scalar()
    return bool(missing)


def totals(engine) -> dict:
    with reading(engine, "count the knowledge base") as conn:
        return {
            "documents": conn.execute(select(func.count()).select_from(S.documents)).scalar(),
            "kb_entities": conn.execute(select(func.count()).select_from(S.kb_entities)).scalar(),
            "kb_events": conn.execute(select(func.count()).select_from(S.kb_events)).scalar(),
        }


def merge(left: str, right: str, *, db=None, kind: str = "entity", note: str | None = None) -> dict:
    """An analyst says two kb ids are the same; stored, then resolution re-run."""
    from linkwatch.store.judge import judge
    engine = as_engine(db)
    jid = judge(engine, left, right, "same", kind=kind, note=note)
    return {"judgement": jid, **resolve_store(engine)}


def split(left: str, right: str, *, db=None, kind: str = "entity", note: str | None = None) -> dict:
    """An analyst says two items (records or kb ids) are not the same; stored, resolution re-run."""
    from linkwatch.store.judge import judge
    engine = as_engine(db)
    jid = judge(engine, left, right, "not_same", kind=kind, note=note)
    return {"judgement": jid, **resolve_store(engine)}


def undo(judgement_id: int, *, db=None) -> dict:
    from linkwatch.store.judge import undo as retract
    engine = as_engine(db)
    retract(engine, judgement_id)
    return resolve_store(engine)


def import_watchlist(path: str, *, db=None, list_name: str | None = None) -> dict:
    from linkwatch.store.watchlists import import_watchlist as run
    engine = as_engine(db)
    out = run(engine, path, list_name=list_name)
    resolve_store(engine)  # refresh the watchlisted marks
    return out
