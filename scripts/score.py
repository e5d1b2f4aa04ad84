#!/usr/bin/env python3
"""Extract the seed and the dev set, score with ../shared/eval/score.py, print the README tables.

    .venv/bin/python scripts/score.py [--kb] [-v]

With --kb, also ingest the dev set into a scratch knowledge base, export its reports and score
cross-document resolution with ../shared/eval/score_kb.py. With --kb-steps N, the dev set is
ingested N articles an ingest (in name order), so every ingest after the first resolves
incrementally (the new articles against the stored clusters) instead of all at once.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
KEYS = [("entities", "f1"), ("relations", "f1"), ("events", "f1"), ("event_strict", "f1"),
        ("event_time", "acc"), ("links_person", "f1"), ("links_org", "f1")]


def run_extract(paths: list[Path], out_dir: Path) -> None:
    cmd = [str(ROOT / ".venv/bin/linkwatch"), "extract", *map(str, paths), "--format", "jsonl"]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode not in (0, 1):
        sys.exit(res.stderr)
    for line in res.stdout.splitlines():
        if line.strip():
            r = json.loads(line)
            (out_dir / f"{r['document']['id']}.json").write_text(line)


def score(args: list[str]) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "s.json"
        subprocess.run([sys.executable, str(SHARED / "eval/score.py"), *args, "--json", str(out)],
                       capture_output=True, text=True, check=True)
        return json.loads(out.read_text())


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kb", action="store_true", help="also score the knowledge base (score_kb.py)")
    ap.add_argument("--kb-steps", type=int, default=0, metavar="N",
                    help="score the knowledge base built by ingests of N dev articles each (incremental resolution)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pred = Path(tmp)
        run_extract([SHARED / "seeds", SHARED / "dev/articles"], pred)
        seed = score([str(SHARED / "gold/000_2d5a9de672f009ca.gold.json"), str(pred / "000_2d5a9de672f009ca.json")])
        dev = score(["--gold-dir", str(SHARED / "dev/gold"), "--pred-dir", str(pred)])
    rows = [("seed", seed["summary"]), ("dev (20 articles)", dev["summary"])]
    header = "| set | " + " | ".join(f"{k} {m}" for k, m in KEYS) + " |"
    print(header)
    print("|" + " --- |" * (len(KEYS) + 1))
    for name, s in rows:
        cells = [f"{s[k][m]:.3f}" if s[k][m] is not None else "n/a" for k, m in KEYS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    if args.verbose:
        print(json.dumps({"seed": seed["documents"], "dev": dev["documents"]}, indent=1, default=list))
    if args.kb:
        print()
        print(score_kb())
    if args.kb_steps:
        print(f"\nincremental: ingests of {args.kb_steps} articles each")
        print(score_kb(args.kb_steps))
    return 0


def score_kb(steps: int = 0) -> str:
    """Ingest ../shared/dev/articles into a scratch SQLite store (at once, or ``steps`` articles an ingest),
    export, score with score_kb.py."""
    lw = str(ROOT / ".venv/bin/linkwatch")
    articles = sorted((SHARED / "dev/articles").iterdir())
    batches = [articles[i:i + steps] for i in range(0, len(articles), steps)] if steps else [[SHARED / "dev/articles"]]
    with tempfile.TemporaryDirectory() as tmp:
        db, out = Path(tmp) / "kb.db", Path(tmp) / "all.jsonl"
        for batch in batches:
            subprocess.run([lw, "ingest", *map(str, batch), "--db", str(db)], capture_output=True, check=True)
        subprocess.run([lw, "export", "--format", "reports-jsonl", "--db", str(db), "-o", str(out)],
                       capture_output=True, check=True)
        res = subprocess.run([sys.executable, str(SHARED / "eval/score_kb.py"), "--gold-dir", str(SHARED / "dev/gold"),
                              "--pred-jsonl", str(out)], capture_output=True, text=True, check=True)
        return res.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
