"""Measure the memory of refreshing the analysis aggregates after a few new documents, as the store grows.

    .venv/bin/python bench/refresh_memory.py [--sizes 200,1000,3000] [--more 5] [--pg postgresql://…]
    .venv/bin/python bench/refresh_memory.py --step 512 [--surnames] [--sizes 1000,3000,6000]

For each N: ingest N synthetic reports (``bench/ingest.py``'s texts, read by
a cheap template extractor instead of the pipeline, so the store is built in
seconds) into a fresh SQLite file (or, with ``--pg``, into that PostgreSQL
database, whose tables it drops); then store ``--more`` further reports
(people new to the store, with its groups and places), resolve them as an
ingest does (``store.resolve_new``), and print the tracemalloc peak and the
time of the ``refresh_edges`` call that follows, and whether it recounted or
rebuilt. An incremental refresh whose working set is the change, not the
store, shows a peak that does not grow with N; ``--rebuild`` prints a full
rebuild's beside it for scale.

``--step S`` measures a realistic stream instead: the N reports arrive S at a
time, each step resolved as an ingest does and followed by the measured
refresh (there entities are renamed as their reports accumulate, people join
further groups, and stored clusters merge); it prints the last step's peak
and time, the largest peak of any step, and how many steps rebuilt.
``--surnames`` gives the first person of each report their surname as an
alias (the text names them by it, as the pipeline reads), which merges and
renames people more often.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import tracemalloc
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import GROUPS, MONTHS, PLACES, synthetic_articles  # noqa: E402

from linkwatch.model.records import Article  # noqa: E402

# people the synthetic store never names: the added reports bring new entities to known groups and places
NEW_GIVEN = ["Ilyas", "Mahmoud", "Nabil", "Qasim", "Walid", "Ziad", "Fadi", "Jamal"]
NEW_FAMILY = ["Abbasi", "Barakat", "Ghanem", "Kanaan", "Maalouf", "Sabbagh", "Tamimi", "Zoabi"]

TEMPLATE = re.compile(r"^(\w+ \w+), a senior commander of the (.+?), met (\w+ \w+) in (.+?) in (\w+) 2024")


def template_extract(stream, *, surnames: bool = False):
    """One report per synthetic article: two people (the first a member of the group, with their surname
    as an alias when ``surnames``) meeting at a place."""
    for art in stream:
        a, group, b, place, month = TEMPLATE.match(art.text).groups()
        entities = [{"id": f"E{i}", "name": name, "type": type_, "aliases": [], "mentions": []}
                    for i, (name, type_) in enumerate([(a, "person"), (group, "organization"), (b, "person"),
                                                       (place, "location")], 1)]
        if surnames:
            entities[0]["aliases"] = [a.split()[1]]
        event = {"id": "V1", "type": "meeting", "participants": [{"entity": "E1", "role": None},
                                                                 {"entity": "E3", "role": None}],
                 "organizer": None, "location": "E4", "modality": "asserted",
                 "time": {"value": f"2024-{MONTHS.index(month) + 1:02d}", "text": None},
                 "evidence": [{"start": 0, "end": 20, "text": art.text[:20]}]}
        relation = {"subject": "E1", "predicate": "member_of", "object": "E2", "role": "commander",
                    "modality": "asserted", "evidence": [{"start": 0, "end": 20, "text": art.text[:20]}]}
        yield {"document": art.document(), "entities": entities, "events": [event], "relations": [relation]}


def added_articles(more: int):
    """``more`` reports in the synthetic template about people new to the store."""
    for i in range(more):
        a = f"{NEW_GIVEN[i % 8]} {NEW_FAMILY[i % 8]}"
        b = f"{NEW_GIVEN[(i + 3) % 8]} {NEW_FAMILY[(i + 5) % 8]}"
        group, place, month = GROUPS[i % len(GROUPS)], PLACES[i % len(PLACES)], MONTHS[i % len(MONTHS)]
        text = (f"{a}, a senior commander of the {group}, met {b} in {place} in {month} 2024, "
                f"officials said on Monday. Added report number {i}.")
        yield Article(id=f"added-{i:06d}", text=text, source=f"added-{i}.txt", published="2024-11-02")


def fresh_engine(url: str):
    from linkwatch.store import connect, schema
    engine = connect(url, migrate=False)
    with engine.begin() as conn:
        schema.metadata.drop_all(conn)
    engine.dispose()
    return connect(url)


def resolved_refresh(engine, articles, extract, *, incremental: bool = True) -> tuple[float, float, str]:
    """Store ``articles``, resolve them as an ingest does, then refresh; (tracemalloc peak MB, seconds,
    how) of the refresh."""
    from linkwatch.kb import ingest_articles
    from linkwatch.store.edges import refresh_edges
    from linkwatch.store.resolution import resolve_store
    from linkwatch.store.resolve_new import resolve_new

    ingest_articles(articles, db=engine, extract=extract, resolve=False)
    if resolve_new(engine) is None:  # as an ingest resolves, without its refresh
        resolve_store(engine)
    tracemalloc.start()
    started = time.perf_counter()
    counts = refresh_edges(engine, incremental=incremental)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak, seconds, "recounted" if "recounted_events" in counts else "rebuilt"


def measure(n: int, more: int, url: str, *, incremental: bool) -> tuple[float, float, str]:
    """(tracemalloc peak MB, seconds, how) of the refresh after ``more`` documents on top of ``n``."""
    from linkwatch.kb import ingest_articles

    engine = fresh_engine(url)
    ingest_articles(synthetic_articles(n), db=engine, extract=template_extract)
    out = resolved_refresh(engine, added_articles(more), template_extract, incremental=incremental)
    engine.dispose()
    return out


def measure_steps(n: int, step: int, url: str, *, surnames: bool) -> list[tuple[float, float, str]]:
    """(peak MB, seconds, how) of the refresh after each ``step`` of the ``n`` synthetic reports."""
    engine = fresh_engine(url)
    articles = list(synthetic_articles(n))
    extract = partial(template_extract, surnames=surnames)
    out = [resolved_refresh(engine, articles[start:start + step], extract) for start in range(0, n, step)]
    engine.dispose()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="200,1000,3000", help="Comma-separated store sizes N (documents).")
    ap.add_argument("--more", type=int, default=5, help="Documents added before the measured refresh.")
    ap.add_argument("--pg", default=None, help="A PostgreSQL URL to measure on instead of a SQLite file.")
    ap.add_argument("--rebuild", action="store_true", help="Also measure a full rebuild at each N.")
    ap.add_argument("--step", type=int, default=0, help="Ingest the N reports this many at a time, measuring "
                                                        "the refresh after each step.")
    ap.add_argument("--surnames", action="store_true", help="With --step: the first person's surname as an alias.")
    args = ap.parse_args(argv)
    store = "PostgreSQL" if args.pg else "SQLite"
    if args.step:
        for n in (int(s) for s in args.sizes.split(",") if s.strip()):
            with tempfile.TemporaryDirectory() as tmp:
                steps = measure_steps(n, args.step, args.pg or str(Path(tmp) / "bench.db"), surnames=args.surnames)
            peak, seconds, how = steps[-1]
            print(f"{store} N={n:5d} by {args.step}: last refresh_edges {how:9s} peak {peak:7.2f} MB in "
                  f"{seconds:6.2f} s; largest peak {max(p for p, _, _ in steps):7.2f} MB; "
                  f"{sum(h == 'rebuilt' for _, _, h in steps)}/{len(steps)} steps rebuilt", flush=True)
        return 0
    for n in (int(s) for s in args.sizes.split(",") if s.strip()):
        modes = [True, False] if args.rebuild else [True]
        for incremental in modes:
            with tempfile.TemporaryDirectory() as tmp:
                url = args.pg or str(Path(tmp) / "bench.db")
                peak, seconds, how = measure(n, args.more, url, incremental=incremental)
            print(f"{store} N={n:5d} +{args.more}: refresh_edges {how:9s} peak {peak:7.2f} MB "
                  f"in {seconds:6.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
