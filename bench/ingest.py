"""Benchmark the knowledge base: extract alone vs ingest into SQLite and PostgreSQL, and resolution at scale.

    .venv/bin/python bench/ingest.py --docs 300 [--jobs 1] [--rounds 2] [--pg postgresql://…] [--entities 100000]

Generates N short synthetic reports (invented names and places, templated
sentences; a cast of 1,200 people in 15 groups, 24 places, 12 months), then, in each of ``--rounds`` rounds, prints documents per second
(and CPU ms per document, workers included) for ``extract`` alone and for
``ingest`` (extract + store + resolve) into a fresh SQLite file and, with
``--pg`` or $LINKWATCH_TEST_PG, into PostgreSQL (it drops and recreates that
database's tables), each with the same ``--jobs``; the ratio ingest / extract
alone is taken within a round, and its median over the rounds is printed
last. Then the time to resolve ``--entities`` synthetic entity records
(blocking, scoring and clustering).

``--memory 200,1000`` first ingests each N into a fresh SQLite file in its
own process and prints that process's peak RSS (storing), its largest
child's (an extraction worker, or a resolution step: ingest runs each step
in a forked process) and the most memory a resolution step had of its own
(pages not shared with the storing process), so growth with N is visible.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from linkwatch.model.records import Article  # noqa: E402

GIVEN = ["Naji", "Omar", "Karim", "Tariq", "Hassan", "Yusuf", "Bilal", "Samir", "Faisal", "Idris", "Rashid", "Anwar",
         "Khalid", "Mustafa", "Ibrahim", "Jamil", "Nasser", "Hamid", "Salim", "Adnan", "Basim", "Farid", "Ghassan",
         "Hisham", "Imad", "Jalal", "Kamal", "Latif", "Majid", "Raed", "Sami", "Tawfiq", "Wasim", "Yasin", "Zaki",
         "Amin"]
FAMILY = ["Zaheer", "Bashir", "Qadri", "Haddad", "Mansour", "Rahimi", "Nouri", "Saleh", "Khalidi", "Farouk",
          "Darwish", "Hamdan", "Jaber", "Othman", "Suleiman", "Yassin", "Abboud", "Badawi", "Chaker", "Dajani",
          "Essa", "Fayed", "Ghoul", "Hijazi", "Ismail", "Jundi", "Lutfi", "Najjar", "Obeid", "Rifai", "Umari",
          "Wahbi", "Yaziji", "Attar", "Bakri", "Daher", "Fares", "Halabi", "Jaafar", "Khoury", "Nassar", "Rahal"]
GROUPS = ["Crimson Front", "Northern Brigade", "Army of the Dawn", "Sword Movement", "Green Banner Council",
          "Eastern Shield", "Southern Lions Battalion", "Free Mountain Union", "Black Flag Committee", "River Guard",
          "Iron Crescent", "Valley Martyrs Brigade", "Desert Hawks", "Coastal Resistance Front", "Highland Council"]
PLACES = ["Karsan", "Velmont", "Dariya", "Tel Ashar", "Qamra", "Birvan", "Lotfa", "Semnar", "Harud", "Mirzal",
          "Oskara", "Pelun", "Rastak", "Sufra", "Tamadin", "Ulvar", "Wadi Kesh", "Yarbel", "Zentra", "Ashkun",
          "Bezra", "Corvath", "Delmun", "Ephra"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
# the people the reports are about: a fixed cast, each with one group, so a person recurs (about once in
# 800 reports) under one name and membership, as in a real stream, and two reports share a meeting's
# people, place and month about as rarely as real ones do
CAST = [(f"{g} {f}", group) for (g, f), group in zip(
    random.Random(11).sample([(g, f) for g in GIVEN for f in FAMILY], 1200),
    (GROUPS[i % len(GROUPS)] for i in range(1200)))]


def synthetic_articles(n: int, seed: int = 7):
    rnd = random.Random(seed)
    for i in range(n):
        (a, group), (b, _) = rnd.sample(CAST, 2)
        fa = a.split()[1]
        place, month = rnd.choice(PLACES), rnd.choice(MONTHS)
        text = (f"{a}, a senior commander of the {group}, met {b} in {place} in {month} 2024, "
                f"officials said on Monday. {fa} has led the {group} since 2019. "
                f"The meeting in {place} was the second this year, according to local reports. "
                f"Report number {i}.")
        yield Article(id=f"bench-{i:06d}", text=text, source=f"bench-{i}.txt", published="2024-11-01",
                      outlet=rnd.choice(["Wire", "Daily Post", "Evening Star"]))


def peak_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (extraction workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def warm() -> None:
    """Load the pipeline (forked workers inherit it): model loading is not extraction."""
    from linkwatch.extract.nlp import load_nlp
    from linkwatch.pipeline import extract_articles
    load_nlp()
    list(extract_articles(synthetic_articles(5, seed=99)))


def bench_extract(n: int, jobs: int) -> tuple[float, float]:
    """(docs/s, CPU ms/doc) of extraction alone."""
    from linkwatch.pipeline import extract_articles
    cpu, start = cpu_seconds(), time.perf_counter()
    for _ in extract_articles(synthetic_articles(n), jobs=jobs):
        pass
    return n / (time.perf_counter() - start), (cpu_seconds() - cpu) / n * 1000


def bench_ingest(n: int, url: str, jobs: int = 1) -> tuple[float, float, dict]:
    """(docs/s, CPU ms/doc, ingest's summary) of ingest (extract + store + resolve) into a fresh store at
    ``url``."""
    from linkwatch.kb import ingest_articles
    from linkwatch.store import connect, schema
    engine = connect(url, migrate=False)
    with engine.begin() as conn:
        schema.metadata.drop_all(conn)
    engine.dispose()
    engine = connect(url)
    cpu, start = cpu_seconds(), time.perf_counter()
    summary = ingest_articles(synthetic_articles(n), db=engine, jobs=jobs)
    rate = n / (time.perf_counter() - start)
    engine.dispose()
    return rate, (cpu_seconds() - cpu) / n * 1000, summary


def bench_resolution(n: int) -> tuple[float, int]:
    from linkwatch.resolve.entities import EntityRecord, combine_names, name_state, names_compatible, scored_links
    from linkwatch.resolve.graph import Clusterer
    rnd = random.Random(3)
    people = [(rnd.choice(GIVEN) + f"{k % 97}", rnd.choice(FAMILY) + f"{k % 89}") for k in range(n // 4)]
    records = []
    for i in range(n):
        g, f = rnd.choice(people)
        if rnd.random() < 0.3:
            f = f.replace("a", "e", 1)  # a spelling variant
        records.append(EntityRecord(id=f"r{i}", document=f"d{i // 20}", type="person", name=f"{g} {f}",
                                    context=frozenset({f"org:{rnd.randrange(50)}"})))
    start = time.perf_counter()
    clusters = Clusterer(compatible=names_compatible, combine=combine_names)  # as store.resolution clusters people
    for r in records:
        clusters.add(r.id, document=r.document, state=name_state(r))
    clusters.link_all(scored_links(records))
    return time.perf_counter() - start, len(clusters.clusters)


def ingest_peak(n: int, jobs: int) -> None:
    """Ingest n synthetic documents into a fresh SQLite file; print docs/s, the peak RSS of this process
    (storing) once the pipeline is loaded and at the end, of its largest child (an extraction worker or a
    resolution step, both forked from it), and the largest resolution step's own memory (its pages not
    shared with this process, sampled; 0 when the steps ran here)."""
    from linkwatch.kb import _warm
    _warm()  # what ingest loads first; the store's own growth is measured from here
    loaded = peak_mb()
    with tempfile.TemporaryDirectory() as tmp:
        rate, _cpu, summary = bench_ingest(n, str(Path(tmp) / "bench.db"), jobs=jobs)
    print(f"{n} {rate:.1f} {loaded:.0f} {peak_mb():.0f} {peak_mb(resource.RUSAGE_CHILDREN):.0f} "
          f"{summary.get('step_private_mb', 0):.0f}")


def bench_memory(sizes: list[int], jobs: int) -> None:
    import subprocess
    for n in sizes:
        out = subprocess.run([sys.executable, __file__, "--ingest-peak", str(n), "--jobs", str(jobs)], check=True,
                             capture_output=True, text=True).stdout.split()
        loaded, peak, child, step = map(float, out[2:6])
        print(f"ingest {n:6d} docs → SQLite  {float(out[1]):8.1f} docs/s (cold)   peak RSS: storing process "
              f"{peak:5.0f} MB (+{peak - loaded:.0f} MB over the loaded pipeline), largest child {child:5.0f} MB; "
              f"a resolution step's own pages at most {step:.0f} MB")


def median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--jobs", type=int, default=1, help="Extraction processes, for extract alone and for ingest.")
    ap.add_argument("--rounds", type=int, default=2,
                    help="Rounds of (extract alone, ingest → SQLite, ingest → PostgreSQL); each ratio is taken "
                         "against the same round's extract-alone figure.")
    ap.add_argument("--pg", default=os.environ.get("LINKWATCH_TEST_PG"))
    ap.add_argument("--entities", type=int, default=100_000)
    ap.add_argument("--memory", default="200,1000",
                    help="Comma-separated document counts, each ingested in a fresh process for its peak RSS ('' to skip).")
    ap.add_argument("--ingest-peak", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.ingest_peak:
        ingest_peak(args.ingest_peak, args.jobs)
        return 0
    if args.memory:
        bench_memory([int(n) for n in args.memory.split(",") if n.strip()], args.jobs)
    warm()
    ratios: dict[str, list[float]] = {"SQLite": [], "PostgreSQL": []}
    for round_ in range(1, args.rounds + 1):
        rate, cpu = bench_extract(args.docs, args.jobs)
        print(f"round {round_}  extract alone        {rate:8.1f} docs/s                     "
              f"CPU {cpu:5.1f} ms/doc   peak RSS {peak_mb():5.0f} MB")
        stores = [("SQLite", "file")] + ([("PostgreSQL", args.pg)] if args.pg else [])
        for name, url in stores:
            with tempfile.TemporaryDirectory() as tmp:
                r, c, _summary = bench_ingest(args.docs, str(Path(tmp) / "bench.db") if url == "file" else url, args.jobs)
            ratios[name].append(r / rate)
            print(f"round {round_}  ingest → {name:<11} {r:8.1f} docs/s   ({r / rate:.2f} × extract)   "
                  f"CPU {c:5.1f} ms/doc   peak RSS {peak_mb():5.0f} MB")
    for name, values in ratios.items():
        if values:
            print(f"ingest → {name}: {median(values):.2f} × extract alone (median of {len(values)} rounds, "
                  f"{args.docs} docs, jobs={args.jobs}; each round: {', '.join(f'{v:.2f}' for v in values)})")
    if not args.pg:
        print("ingest → PostgreSQL  skipped (give --pg or set LINKWATCH_TEST_PG)")
    if args.entities:
        seconds, n_clusters = bench_resolution(args.entities)
        print(f"resolve {args.entities:,} synthetic entities: {seconds:.1f} s → {n_clusters:,} clusters   "
              f"peak RSS {peak_mb():7.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
