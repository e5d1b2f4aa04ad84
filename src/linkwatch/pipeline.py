"""The one place that wires ingest → extract (→ resolve → store, see ``linkwatch.store``).

``extract_articles`` turns a stream of Articles (and Failures passed through)
into a stream of per-document reports (dicts in the contract's shape) and
Failures, in input order.
"""
from __future__ import annotations

import logging
from typing import Iterable, Iterator

from linkwatch.model.records import Article, Failure

log = logging.getLogger(__name__)


def extract_articles(items: Iterable[Article | Failure], *, jobs: int = 1,
                     batch_size: int = 32) -> Iterator[dict | Failure]:
    from linkwatch.extract.run import extract_stream

    yield from extract_stream(items, jobs=jobs, batch_size=batch_size)


def extract_text(text: str, *, published: str | None = None, doc_id: str = "doc",
                 source: str | None = None) -> dict:
    """Extract one text; raises ExtractionError if the pipeline fails."""
    article = Article(id=doc_id, text=text, published=published, source=source)
    for out in extract_articles([article]):
        if isinstance(out, Failure):
            from linkwatch.errors import ExtractionError
            raise ExtractionError(out.reason, source=source)
        return out
    raise AssertionError("extract_articles yielded nothing")
