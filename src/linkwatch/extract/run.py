"""Run extraction over a stream of Articles, in one process or several, in input order."""
from __future__ import annotations

import logging
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from typing import Iterable, Iterator

from linkwatch.model.records import Article, Failure
from linkwatch.settings import get_settings

log = logging.getLogger(__name__)


def _extract_batch(batch: list[Article | Failure]) -> list[dict | Failure]:
    from linkwatch.extract.nlp import load_nlp
    from linkwatch.extract.report import build_report

    nlp = load_nlp()
    limit = get_settings().max_text_chars
    out: list[dict | Failure] = [None] * len(batch)  # type: ignore[list-item]
    todo = []
    for i, item in enumerate(batch):
        if isinstance(item, Failure):
            out[i] = item
        elif len(item.text) > limit:
            out[i] = Failure(source=item.source or item.id, code="E_TOO_LARGE",
                             reason=f"{len(item.text):,} characters is over the {limit:,}-character limit "
                                    "(set LINKWATCH_MAX_CHARS to raise it)")
        else:
            todo.append((item.text, i))
    nlp.max_length = max(nlp.max_length, limit + 1)
    try:
        docs = list(nlp.pipe(todo, as_tuples=True, batch_size=16))
    except Exception:  # noqa: BLE001 — one bad text must not sink the batch: parse them one by one
        log.warning("spaCy failed on a batch; retrying its documents one at a time")
        docs = []
        for text, i in todo:
            try:
                docs.append((nlp(text), i))
            except Exception as exc:  # noqa: BLE001
                out[i] = _failure(batch[i], exc)
    for doc, i in docs:
        article = batch[i]
        try:
            out[i] = build_report(doc, article)
        except Exception as exc:  # noqa: BLE001 — a failed document is recorded and the batch goes on
            log.exception("extraction failed on %s", article.source or article.id)
            out[i] = _failure(article, exc)
    return out


def _failure(article: Article, exc: Exception) -> Failure:
    return Failure(source=article.source or article.id, code="E_EXTRACT",
                   reason=f"extraction failed: {type(exc).__name__}: {exc}")


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _init_worker() -> None:
    from linkwatch.extract.nlp import load_nlp
    load_nlp()


def extract_stream(items: Iterable[Article | Failure], *, jobs: int = 1, batch_size: int = 32) -> Iterator[dict | Failure]:
    if jobs <= 1:
        for batch in _batches(items, batch_size):
            yield from _extract_batch(batch)
        return
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker) as pool:
        pending = []
        for batch in _batches(items, batch_size):
            pending.append(pool.submit(_extract_batch, batch))
            if len(pending) >= jobs * 2:  # bounded: memory stays flat on long streams
                yield from pending.pop(0).result()
        for fut in pending:
            yield from fut.result()
