"""Read documents of any supported format into Articles (or named Failures).

``read_paths`` is the one entry point: files, directories (recursively, in
name order), URLs and ``-`` for stdin. It never raises for a bad document;
it yields a ``Failure`` naming the file (and line) and goes on.
"""
from __future__ import annotations

import dataclasses
import logging
import sys
from pathlib import Path
from typing import Iterable, Iterator

from linkwatch.errors import InputError, TooLarge
from linkwatch.ingest.readers import READERS, iso_date, reader_for, sniff, SNIFFED
from linkwatch.model.records import Article, Failure
from linkwatch.settings import get_settings

log = logging.getLogger(__name__)

__all__ = ["read_paths", "read_bytes", "expand_paths"]


def expand_paths(paths: Iterable[str | Path]) -> Iterator[str | Path]:
    for p in paths:
        if str(p) == "-" or str(p).startswith(("http://", "https://")):
            yield str(p)
            continue
        path = Path(p)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not child.name.startswith(".") and child.suffix.lower() in READERS:
                    yield child
        else:
            yield path


def read_bytes(data: bytes, *, source: str, stem: str, path: Path | None = None,
               published: str | None = None) -> Iterator[Article | Failure]:
    """Read one blob; ``published`` overrides any date found in the document."""
    limit = get_settings().max_document_bytes
    try:
        if len(data) > limit:
            raise TooLarge(f"{len(data):,} bytes is over the {limit:,}-byte limit "
                           "(set LINKWATCH_MAX_BYTES to raise it)", source=source)
        reader = reader_for(path, data) if path is not None else SNIFFED[sniff(data)]
        for item in reader(data, source=source, stem=stem):
            if isinstance(item, Article) and published:
                item = dataclasses.replace(item, published=published)
            yield item
    except InputError as exc:
        yield Failure(source=source, reason=exc.message, code=exc.code, line=exc.line)
    except Exception as exc:  # noqa: BLE001 — a reader crash fails this document only; the run goes on
        log.exception("reader failed on %s", source)
        yield Failure(source=source, reason=f"cannot read: {type(exc).__name__}: {exc}", code=InputError.code)


def read_paths(paths: Iterable[str | Path], *, published: str | None = None) -> Iterator[Article | Failure]:
    """Every document under ``paths``; ``published`` (a date) overrides dates found in them.

    A ``published`` value that is not a date raises InputError before anything is read.
    """
    if published:
        cleaned = iso_date(published)
        if cleaned is None:
            raise InputError(f"publication date {published!r} is not a date (use YYYY-MM-DD)")
        published = cleaned
    return _read_all(paths, published=published)


def _read_all(paths: Iterable[str | Path], *, published: str | None) -> Iterator[Article | Failure]:
    for item in expand_paths(paths):
        if item == "-":
            yield from read_bytes(sys.stdin.buffer.read(), source="<stdin>", stem="stdin", published=published)
        elif isinstance(item, str):
            yield from _read_url(item, published=published)
        else:
            yield from _read_file(item, published=published)


def _read_file(path: Path, *, published: str | None) -> Iterator[Article | Failure]:
    source = str(path)
    limit = get_settings().max_document_bytes
    try:
        size = path.stat().st_size
    except OSError as exc:
        yield Failure(source=source, reason=f"cannot read: {exc.strerror or exc}", code="E_INPUT")
        return
    if size > limit:
        yield Failure(source=source, reason=f"{size:,} bytes is over the {limit:,}-byte limit "
                      "(set LINKWATCH_MAX_BYTES to raise it)", code=TooLarge.code)
        return
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield Failure(source=source, reason=f"cannot read: {exc.strerror or exc}", code="E_INPUT")
        return
    yield from read_bytes(data, source=source, stem=path.stem, path=path, published=published)


def _read_url(url: str, *, published: str | None) -> Iterator[Article | Failure]:
    import urllib.request
    from urllib.error import URLError

    limit = get_settings().max_document_bytes
    try:
        with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (user-given URL)
            data = response.read(limit + 1)
    except (URLError, OSError, ValueError) as exc:
        yield Failure(source=url, reason=f"cannot fetch: {exc}", code="E_INPUT")
        return
    stem = url.rstrip("/").rsplit("/", 1)[-1] or "url"
    for item in read_bytes(data, source=url, stem=stem, published=published):
        if isinstance(item, Article) and not item.url:
            item = dataclasses.replace(item, url=url)
        yield item
