"""``linkwatch.forked``: a call in a forked child, its result and errors back, its memory gone with it;
and ingest's resolution steps run that way."""
from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import func, select

from linkwatch import forked, kb
from linkwatch.errors import StoreError
from linkwatch.model.records import Article
from linkwatch.store import connect, schema as S

pytestmark = pytest.mark.skipif(not forked.available(), reason="no fork on this system")


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def test_the_result_and_the_childs_memory_come_back():
    out, memory = forked.call(lambda: {"pid": os.getpid(), "n": 41 + 1})
    assert out["n"] == 42 and out["pid"] != os.getpid()
    assert memory.peak_mb >= memory.start_mb > 0


def test_what_the_child_holds_is_not_the_parents():
    before = rss_mb()

    def hold():
        block = bytearray(64 * 1024 * 1024)  # 64 MB, written
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(0.6)  # held for longer than the sampler's period
        return len(block)

    n, memory = forked.call(hold)
    assert n == 64 * 1024 * 1024
    assert memory.private_mb >= 64 and memory.peak_mb >= memory.start_mb + 60
    assert rss_mb() < before + 32   # the parent never held it


def test_an_error_in_the_child_is_raised_here():
    def fail():
        raise StoreError("cannot resolve: disk full")

    with pytest.raises(StoreError, match="disk full"):
        forked.call(fail)


def test_an_error_that_cannot_travel_comes_back_with_its_traceback():
    class Local(Exception):  # defined in a function: pickle cannot find it
        pass

    def fail():
        raise Local("local trouble")

    with pytest.raises(forked.ForkedError, match="local trouble"):
        forked.call(fail)


def test_a_child_that_dies_is_an_error():
    with pytest.raises(forked.ForkedError, match="without a result"):
        forked.call(lambda: os._exit(3))


def report(doc: str, name: str) -> dict:
    return {"document": {"id": doc, "title": doc, "published": "2024-10-01"},
            "entities": [{"id": "E1", "name": name, "type": "person", "aliases": [], "mentions": []}],
            "events": [], "relations": []}


def extract(stream):
    for art in stream:
        yield report(str(art.id), "Naji Zaheer" if str(art.id) < "d2" else "Nazi Zahir")


def articles(*ids):
    return [Article(id=i, text=f"An invented report {i}.", source=f"{i}.txt", published="2024-10-01") for i in ids]


def test_ingest_resolves_in_a_child_and_says_what_the_step_used(tmp_path):
    engine = connect(str(tmp_path / "kb.db"))
    out = kb.ingest_articles(articles("d1"), db=engine, extract=extract, isolate=True)
    assert out["step_peak_mb"] > 0 and out["step_private_mb"] > 0
    out = kb.ingest_articles(articles("d2"), db=engine, extract=extract, isolate=True)
    assert out["resolution"] == "incremental" and out["kb_entities"] == 1   # Zahir joined Zaheer, in the child
    with engine.connect() as conn:
        assert conn.execute(select(func.count(S.clusters.c.kb_id.distinct()))).scalar() == 1


def test_a_store_error_in_the_step_keeps_the_stored_documents(tmp_path, monkeypatch):
    engine = connect(str(tmp_path / "kb.db"))

    def broken(engine, **kw):
        raise StoreError("cannot resolve new items: database or disk is full")

    monkeypatch.setattr(kb, "resolve_and_refresh", broken)
    with pytest.raises(StoreError, match="disk is full"):
        kb.ingest_articles(articles("d1"), db=engine, extract=extract, isolate=True)
    monkeypatch.undo()
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(S.documents)).scalar() == 1
    assert kb.ingest_articles(articles("d1"), db=engine, extract=extract)["kb_entities"] == 1  # the next run resolves


def test_a_store_in_memory_resolves_here():
    engine = connect("sqlite://")
    out = kb.ingest_articles(articles("d1"), db=engine, extract=extract)
    assert "step_peak_mb" not in out and out["kb_entities"] == 1


def test_a_started_child_runs_while_this_process_goes_on():
    child = forked.start(lambda: time.sleep(0.5) or "done")
    assert not child.ready()  # started, not finished: this process was not kept waiting
    out, memory = child.result()
    assert out == "done" and memory.peak_mb > 0


def test_a_stopped_child_is_ended_at_once():
    started = time.monotonic()
    child = forked.start(lambda: time.sleep(60))
    child.stop()
    assert time.monotonic() - started < 10
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)  # reaped: no such child left


def test_extraction_goes_on_while_a_step_resolves(tmp_path, monkeypatch):
    """With a step every 8 documents, each taking 0.8 s or more, reports are extracted while steps run (their
    times fall inside a step's: more than a write batch, which a store waiting for its steps would
    take before it stops to wait), stored after it, and every one is resolved at the end."""
    engine = connect(str(tmp_path / "kb.db"))
    steps, extracted = tmp_path / "steps.txt", []
    real = kb.resolve_and_refresh

    def slow(engine, **kw):  # runs in the child: its start and end go to a file
        began = time.monotonic()
        time.sleep(0.8)
        out = real(engine, **kw)
        with open(steps, "a") as f:
            f.write(f"{began} {time.monotonic()}\n")
        return out

    def timed(stream):
        for art in stream:
            time.sleep(0.02)
            extracted.append(time.monotonic())
            yield report(str(art.id), f"Person {art.id}")

    monkeypatch.setattr(kb, "resolve_and_refresh", slow)
    monkeypatch.setattr(kb, "RESOLVE_EVERY", 8)
    monkeypatch.setattr(kb, "WRITE_BATCH", 4)
    monkeypatch.setattr(kb, "STEP_BUFFER", 12)
    out = kb.ingest_articles(articles(*(f"d{i:02d}" for i in range(48))), db=engine, extract=timed, isolate=True)
    spans = [tuple(map(float, line.split())) for line in steps.read_text().splitlines()]
    assert len(spans) >= 3
    assert max(sum(a <= t <= b for t in extracted) for a, b in spans) >= 8  # extracted during a step
    assert out["new"] == 48 and out["kb_entities"] == 48 and not kb.resolution_due(engine)
