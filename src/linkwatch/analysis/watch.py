"""Watch a folder: ingest files as they arrive and yield the alerts each batch raises.

The loop is plain polling (no platform file-watching dependency): every
``interval`` seconds, files not seen before (or changed since) are handed to
``ingest`` (e.g. ``linkwatch.kb.ingest_paths``); the documents it wrote are
those ingested after the batch started.
"""
from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import select

from linkwatch.analysis.alerts import alerts_for_documents
from linkwatch.errors import InputError
from linkwatch.store.schema import documents

log = logging.getLogger(__name__)


def _snapshot(folder: Path) -> dict[str, tuple]:
    """path → (mtime, size) of every visible file: a change in either is a new version."""
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            stat = p.stat()
            out[str(p)] = (stat.st_mtime_ns, stat.st_size)
    return out


def post_webhook(url: str, alert: dict, *, timeout: float = 10.0) -> bool:
    """POST one alert as JSON; a failure is logged, not raised (the watch goes on)."""
    request = urllib.request.Request(url, data=json.dumps(alert).encode("utf-8"), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError) as exc:
        log.warning("webhook %s failed: %s", url, exc)
        return False


def watch_folder(folder, *, engine, ingest: Callable, interval: float = 5.0, existing: bool = False,
                 once: bool = False, sleep: Callable[[float], None] = time.sleep) -> Iterator[dict]:
    """An iterator of alerts (dicts), forever or for one pass with ``once``.

    The folder is checked and, unless ``existing``, its current files are
    noted *now* (not at the first ``next``), so only files arriving after
    this call are ingested.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a directory")
    seen: dict[str, tuple] = {} if existing else _snapshot(folder)
    return _poll(folder, seen, engine=engine, ingest=ingest, interval=interval, once=once, sleep=sleep)


def _poll(folder: Path, seen: dict[str, tuple], *, engine, ingest, interval, once, sleep) -> Iterator[dict]:
    while True:
        current = _snapshot(folder)
        fresh = [p for p, mtime in current.items() if seen.get(p) != mtime]
        if fresh:
            before = _stored(engine)
            log.info("ingesting %d new file(s)", len(fresh))
            ingest(fresh, db=engine)
            after = _stored(engine)
            new_docs = [d for d, stamp in after.items() if before.get(d) != stamp]
            with engine.connect() as conn:
                for alert in alerts_for_documents(conn, new_docs):
                    yield alert
            seen.update({p: current[p] for p in fresh})
        if once:
            return
        sleep(interval)


def _stored(engine) -> dict[str, tuple]:
    """document id → (content hash, ingest time): what changed across one ingest call."""
    with engine.connect() as conn:
        return {r.id: (r.content_hash, str(r.ingested_at))
                for r in conn.execute(select(documents.c.id, documents.c.content_hash, documents.c.ingested_at))}
