"""Build the knowledge base: read → extract → store → resolve (``ingest_paths``).

The stream is processed a few documents at a time, so memory does not grow
with the corpus:

1. documents whose id and content hash are already stored are skipped
   before extraction (re-ingesting an unchanged document adds nothing);
2. extraction runs in worker processes (with the default extractor) while
   this process stores what they return, in input order;
3. reports are written ``WRITE_BATCH`` to a transaction, each replacing only
   its own document's earlier rows (a changed version); a failed document is
   recorded with its reason and the batch goes on;
4. resolution runs every ``RESOLVE_EVERY`` new documents and at the end:
   incremental (``store.resolve_new``: the new items against the stored
   clusters, so memory follows the new documents, not the store), or over
   the whole store when the store has no blocking keys yet or a document
   was replaced; it runs again on the next run if it was interrupted (any
   record without a cluster marks it due). Each step runs in a forked
   process (``linkwatch.forked``), so what it read and freed does not stay
   in this process's heap: the storing process's memory stays where the
   loaded pipeline put it, however long the stream. While a step runs,
   extraction goes on: up to ``STEP_BUFFER`` reports wait, and are stored
   when the step is done (it holds the store's write lock).

An ingest killed half-way leaves whole documents stored and the rest
absent; running it again finishes the job.
"""
from __future__ import annotations

import gc
import logging
import os
from collections import OrderedDict, deque
from functools import lru_cache
from itertools import islice
from typing import Callable, Iterable, Iterator

from sqlalchemy import func, select

from linkwatch import forked
from linkwatch.errors import StoreError
from linkwatch.ingest import read_paths
from linkwatch.model.records import Article, Failure
from linkwatch.store import schema as S
from linkwatch.store.db import as_engine, chunks, reading, writing
from linkwatch.store.edges import refresh_edges
from linkwatch.store.resolution import resolve_store
from linkwatch.store.resolve_new import resolve_new
from linkwatch.store.write import Prepared, prepare, record_failure, store_batch, stored_hashes

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
RESOLVE_EVERY = 512  # new documents stored between two resolutions of one ingest (each step also reads a
# few indexes whole, so much smaller steps cost more on a large store; much larger ones hold more at once,
# and leave more to resolve after the last document is extracted)
LOOKUP_BATCH = 64  # input documents checked against the store per query
EXTRACT_BATCH = 16  # documents a worker extracts per task
AHEAD = 4  # extraction batches a worker may run ahead of the store (16 measured no faster on PostgreSQL)
STEP_BUFFER = 256  # reports extracted while a resolution step runs (it holds the store), stored after it
# an invented report that takes extraction through its lazily loaded tables (names, groups, places, dates)
WARM_UP_TEXT = ("Naji Zaheer, a commander of the Crimson Front, met Omar Bashir in Paris in February 2024, "
                "officials said on Monday. Zaheer has led the group since 2019.")


def ingest_articles(items: Iterable[Article | Failure], *, db=None, jobs: int = 1,
                    extract: Callable[[Iterable], Iterator] | None = None,
                    progress: Callable[[str, str], None] | None = None, resolve: bool = True,
                    isolate: bool | None = None) -> dict:
    """Extract and store ``items``, then resolve; returns a summary.

    With the default extractor, extraction (and the text fingerprints the
    store keeps) runs in ``jobs`` worker processes while this process writes
    what they return, in input order; a given ``extract`` runs in this process. ``isolate``: run each
    resolution step in a forked process (``linkwatch.forked``; default: where the system can fork and the
    store is not in memory), so this process's memory stays flat over a long ingest; the summary then
    gives the largest step's peak and private memory (``step_peak_mb``, ``step_private_mb``).
    """
    engine = as_engine(db)
    summary = {"new": 0, "changed": 0, "unchanged": 0, "failed": 0, "failures": []}
    tick = progress or (lambda status, source: None)
    version = extractor_name()

    failures: list[Failure] = []  # failures to record (while a step holds the store, after it)
    running: list = []  # the resolution step under way in a forked child (at most one)

    def fail(item: Failure) -> None:
        summary["failed"] += 1
        if len(summary["failures"]) < 100:
            summary["failures"].append(str(item))
        failures.append(item)
        if not running:
            record_failures()
        tick("failed", item.source)

    def record_failures() -> None:
        if failures:
            with writing(engine, "record a failed document") as conn:
                for item in failures:
                    record_failure(conn, item.source, item.reason, item.code)
            failures.clear()

    def todo() -> Iterator[Article]:
        """The articles not stored yet (or changed); failures of reading are recorded on the way."""
        for chunk in chunks(items, LOOKUP_BATCH):
            ids = [str(item.id) for item in chunk if not isinstance(item, Failure)]
            with reading(engine, "check stored documents") as conn:
                known = stored_hashes(conn, ids)
            for item in chunk:
                if isinstance(item, Failure):
                    fail(item)
                    continue
                if known.get(str(item.id)) == (item.content_hash, "done"):
                    summary["unchanged"] += 1
                    tick("unchanged", item.source or item.id)
                    continue
                yield item

    pending: list[Prepared] = []
    merges = {"entity_merges": 0, "event_merges": 0}
    stored = {"since": 0}

    def resolve_step() -> None:
        """Start resolving what was stored so far (incrementally unless a document was replaced)."""
        running.append(_start_step(engine, incremental=not summary["changed"], isolate=isolate))
        stored["since"] = 0

    def finish_step() -> None:
        """Wait for the step under way (its errors raised here) and take its counts into the summary."""
        if not running:
            return
        out, memory = running.pop().result()
        if memory is not None:  # forked: give back what storing the last documents freed (13 MB after 4,000
            _give_back_memory()  # documents, measured)
        if out.get("resolution") == "incremental":
            for key in merges:
                merges[key] += out[key]
        else:
            merges.update((key, out[key]) for key in merges)
        summary.update(out, **merges)
        if memory is not None:
            summary["step_peak_mb"] = max(summary.get("step_peak_mb", 0.0), memory.peak_mb)
            summary["step_private_mb"] = max(summary.get("step_private_mb", 0.0), memory.private_mb)

    def flush(wait: bool = False) -> None:
        """Store the pending reports, ``WRITE_BATCH`` a transaction: all of a transaction's or none (a killed
        ingest leaves the store as it was before the batch, and running it again finishes the job). While a
        step runs (it holds the store), extraction goes on and the reports wait, up to ``STEP_BUFFER``."""
        if running:
            if not wait and not running[0].ready() and len(pending) < STEP_BUFFER:
                return
            finish_step()
            record_failures()
        for batch in chunks(list(pending), WRITE_BATCH):
            with writing(engine, f"store {len(batch)} documents") as conn:
                statuses = store_batch(conn, batch, extractor=version)
            del pending[:len(batch)]
            for status, source in statuses:
                summary[status] += 1
                stored["since"] += status in ("new", "changed")
                tick(status, source)
        if resolve and stored["since"] >= RESOLVE_EVERY and not summary["changed"]:
            resolve_step()

    stream = _prepared_in_workers(todo(), jobs=jobs) if extract is None else _prepared_here(todo(), extract)
    try:
        for out in stream:
            if isinstance(out, Failure):
                fail(out)
                continue
            if any(p.document_id == out.document_id for p in pending):
                flush(wait=True)  # one document twice in the stream: the later version replaces the earlier
            pending.append(out)
            if len(pending) >= WRITE_BATCH:
                flush()
    except BaseException as exc:
        if running:
            running.pop().stop()  # its transaction rolls back: the next ingest resolves (``resolution_due``)
        if not isinstance(exc, StoreError):
            flush(wait=True)  # keep what was extracted before the interruption
        raise
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    flush(wait=True)
    if resolve and (stored["since"] or resolution_due(engine)):
        resolve_step()
        finish_step()
    summary.update(totals(engine))
    return summary


class _Done:
    """A step that ran in this process: its result at hand (the interface of ``forked.Child``)."""

    def __init__(self, out: dict) -> None:
        self.out = out

    def ready(self) -> bool:
        return True

    def result(self) -> tuple[dict, None]:
        return self.out, None

    def stop(self) -> None:
        pass


def _start_step(engine, *, incremental: bool, isolate: bool | None):
    """``resolve_and_refresh`` in a forked process, started (``forked.Child``: the result when asked, with
    the child's memory; that memory the system's again when it ends), or run here when ``isolate`` is
    False or forking cannot work (no ``fork``, or a store in this process's memory: a child would write to
    its own copy)."""
    if isolate is None:
        isolate = forked.available() and not _in_memory(engine)
    if not isolate:
        out = resolve_and_refresh(engine, incremental=incremental)
        _give_back_memory()
        return _Done(out)

    def step() -> dict:
        engine.dispose(close=False)  # the parent's connections stay the parent's; the child opens its own
        try:
            return resolve_and_refresh(engine, incremental=incremental)
        finally:
            engine.dispose()

    return forked.start(step)


def _in_memory(engine) -> bool:
    url = engine.url
    return url.get_backend_name() == "sqlite" and (url.database in (None, "", ":memory:")
                                                   or url.query.get("mode") == "memory")


@lru_cache(maxsize=1)
def _malloc_trim():
    """glibc's ``malloc_trim`` (None elsewhere)."""
    import ctypes
    import ctypes.util
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def _give_back_memory() -> None:
    """Return freed heap to the system. A resolution step's tens of MB of short-lived objects (when it runs
    here), and storing's own, leave glibc's heap fragmented, and a long ingest's resident size would creep
    up step by step (about 20 MB over 3,000 documents, measured) though nothing is kept; Dask's workers
    trim for the same reason."""
    trim = _malloc_trim()
    if trim is not None:
        gc.collect()
        trim(0)


def _ramp(items: Iterable, size: int) -> Iterator[list]:
    """Chunks of 2, 4, … up to ``size`` items: the first results come back (and storing starts) early."""
    it, n = iter(items), 2
    while chunk := list(islice(it, n)):
        yield chunk
        n = min(size, 2 * n)


def _prepared_here(articles: Iterable[Article], extract: Callable[[Iterable], Iterator]) -> Iterator[Prepared | Failure]:
    """Run ``extract`` in this process; pair each report with its text for the fingerprints."""
    texts: OrderedDict[str, str] = OrderedDict()

    def remember() -> Iterator[Article]:
        for article in articles:
            texts[str(article.id)] = article.text
            while len(texts) > IN_FLIGHT:
                texts.popitem(last=False)
            yield article

    for out in extract(remember()):
        if isinstance(out, Failure):
            yield out
            continue
        yield prepare(out, texts.pop(str(out["document"]["id"]), None) or "")


def _extract_batch(batch: list[Article]) -> list[dict | Failure]:
    """Worker task: extract a batch (reports only; the caller still has the texts)."""
    from linkwatch.pipeline import extract_articles
    return list(extract_articles(batch, jobs=1))


@lru_cache(maxsize=1)
def _warm() -> None:
    """Load the pipeline and its lazy tables here, once a process: each ingest's workers are forked
    from this process and inherit them (a later ingest, e.g. ``watch``'s next batch, loads nothing)."""
    from linkwatch.pipeline import extract_articles
    try:
        list(extract_articles([Article(id="linkwatch-warm-up", text=WARM_UP_TEXT, published="2024-03-01")], jobs=1))
    except Exception as exc:  # noqa: BLE001 - only a head start: the workers load what they need anyway
        log.debug("warm-up extraction failed: %s", exc)
    # the pipeline's millions of long-lived objects: out of the garbage collector's scans from now on
    # (collections while storing stay cheap, and forked workers do not copy pages just to scan them)
    gc.freeze()
    _give_back_memory()  # the warm-up's garbage (about 25 MB)


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: leave when the storing process is gone (killed), instead of waiting on a
    queue that a forked copy of its own keeps open."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="linkwatch-parent-watch").start()


def _prepared_in_workers(articles: Iterable[Article], *, jobs: int) -> Iterator[Prepared | Failure]:
    """Extract in ``jobs`` worker processes (at least one), in input order, while the caller stores.

    The fingerprints of each report's text are computed here, in the storing process, which
    otherwise waits for the workers. At most ``AHEAD × jobs + 1`` batches are in flight (the workers
    go on while this process resolves), so memory stays flat on long streams.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = max(1, jobs)
    _warm()
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_exit_with_parent, initargs=(os.getpid(),))
    in_flight: deque = deque()

    def done() -> Iterator[Prepared | Failure]:
        future, texts = in_flight.popleft()
        for out in future.result():
            yield out if isinstance(out, Failure) else prepare(out, texts.get(str(out["document"]["id"]), ""))

    try:
        for batch in _ramp(articles, EXTRACT_BATCH):
            in_flight.append((pool.submit(_extract_batch, batch), {str(a.id): a.text for a in batch}))
            if len(in_flight) > AHEAD * workers:
                yield from done()
        while in_flight:
            yield from done()
    finally:
        pool.shutdown(wait=not in_flight, cancel_futures=True)


def resolve_and_refresh(engine, *, incremental: bool = False) -> dict:
    """Resolve, then bring the analysis aggregates up to date with the new identity (every caller that
    changes identity goes through here: ingest, merge, split, undo, import_watchlist). ``incremental``:
    only the unclustered items, when ``store.resolve_new`` can (else, and by default, the whole store)."""
    out = resolve_new(engine) if incremental else None
    if out is None:
        out = resolve_store(engine)
        out["resolution"] = "whole store"
    refresh_edges(engine)
    return out


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
    return {"judgement": jid, **resolve_and_refresh(engine)}


def split(left: str, right: str, *, db=None, kind: str = "entity", note: str | None = None) -> dict:
    """An analyst says two items (records or kb ids) are not the same; stored, resolution re-run."""
    from linkwatch.store.judge import judge
    engine = as_engine(db)
    jid = judge(engine, left, right, "not_same", kind=kind, note=note)
    return {"judgement": jid, **resolve_and_refresh(engine)}


def undo(judgement_id: int, *, db=None) -> dict:
    from linkwatch.store.judge import undo as retract
    engine = as_engine(db)
    retract(engine, judgement_id)
    return resolve_and_refresh(engine)


def import_watchlist(path: str, *, db=None, list_name: str | None = None) -> dict:
    from linkwatch.store.watchlists import import_watchlist as run
    engine = as_engine(db)
    out = run(engine, path, list_name=list_name)
    resolve_and_refresh(engine)  # refresh the watchlisted marks
    return out
