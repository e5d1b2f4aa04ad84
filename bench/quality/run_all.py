"""Run every quality benchmark in bench/quality and write the table to RESULTS.md.

Each script runs in its own process with ``--json``; its figures, the anchor
and the same-run baseline go into one table, with the date, the git commit and
the wall time of each script. Its printed output follows the table.

    python bench/quality/run_all.py [--limit N] [--output PATH]
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SCRIPTS = ["tempeval.py", "meantime.py", "toponyms.py", "event_args.py"]


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def rows_tempeval(data: dict) -> list[list[str]]:
    ours, base = data["linkwatch"]["value_f1"], data["baseline"]["value_f1"]
    anchors = "; ".join(f"{k} {v:.3f}" for k, v in data["anchors"].items())
    bar = f"≥ {data['bar']:.2f}: {'held' if ours >= data['bar'] else 'NOT held'}"
    return [["time expressions", f"tempeval3_platinum ({data['documents']} docs)", "TempEval-3 value F1",
             _fmt(ours), f"{_fmt(base)} (spaCy DATE/TIME + dateparser)", anchors, bar]]


def rows_meantime(data: dict) -> list[list[str]]:
    ours, base = data["linkwatch"]["all"], data["baseline"]["all"]
    held = ours["relaxed"]["f1"] >= base["relaxed"]["f1"]
    return [["entities in news", f"meantime_en ({data['documents']} docs, {ours['gold']} named mentions)",
             "typed mention F1, person/org/location (relaxed; strict and all-predictions in brackets)",
             f"{_fmt(ours['relaxed']['f1'])} ({_fmt(ours['strict']['f1'])}; "
             f"{_fmt(ours['relaxed_all_predictions']['f1'])})",
             f"{_fmt(base['relaxed']['f1'])} ({_fmt(base['strict']['f1'])}; "
             f"{_fmt(base['relaxed_all_predictions']['f1'])}) (bare en_core_web_sm)",
             "-", f"≥ bare model: {'held' if held else 'NOT held'}"]]


def rows_toponyms(data: dict) -> list[list[str]]:
    rows = []
    for name, result in data["datasets"].items():
        ours, base = result["ours"], result["most_populous_match"]
        if not ours.get("n"):
            continue
        anchors = "; ".join(f"{k} {v:.3f}" for k, v in result["anchors"].items()) or "-"
        bar = result.get("bar")
        verdict = f"≥ {bar:.2f}: {'held' if ours['acc161'] >= bar else 'NOT held'}" if bar is not None else "-"
        rows.append(["toponym resolution", f"{name} ({result['docs']} docs, {ours['n']} toponyms)",
                     "accuracy within 161 km", _fmt(ours["acc161"]), f"{_fmt(base['acc161'])} (most-populous-match)",
                     anchors, verdict])
    return rows


def rows_event_args(data: dict) -> list[list[str]]:
    rows = []
    for name, result in data.items():
        systems = result["systems"]
        ours = next(v for k, v in systems.items() if k.startswith("linkwatch"))
        base = next(v for k, v in systems.items() if k.startswith("baseline"))
        anchors = "; ".join(f"{k} {v:.3f}" for k, v in result["anchors"].items())
        roles = ours["roles"]
        rows.append(["event arguments (meet, travel)",
                     f"{name} ({ours['events']} events, {ours['gold']} scored arguments)",
                     "Arg-C head F1 (participant / place / destination F1; our events found)",
                     f"{_fmt(ours['arg_c_f1'])} ({_fmt(roles['participant']['f1'])} / {_fmt(roles['place']['f1'])}"
                     f" / {_fmt(roles['destination']['f1'])}; {ours['covered']}/{ours['events']})",
                     f"{_fmt(base['arg_c_f1'])} (same-sentence entities)",
                     anchors + " — not comparable: all types and roles", "reported with baseline"])
    return rows


ROWS = {"tempeval.py": rows_tempeval, "meantime.py": rows_meantime, "toponyms.py": rows_toponyms,
        "event_args.py": rows_event_args}


def git_commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "src")
    return commit + (" + uncommitted changes under src/" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="pass --limit N to every script (smoke run)")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows: list[list[str]] = []
    outputs: list[tuple[str, float, str]] = []
    failed: list[str] = []
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryDirectory() as tmp:
        for script in SCRIPTS:
            json_path = Path(tmp) / (script[:-3] + ".json")
            command = [sys.executable, str(HERE / script), "--json", str(json_path)]
            if args.limit is not None:
                command += ["--limit", str(args.limit)]
            t0 = time.perf_counter()
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
            seconds = time.perf_counter() - t0
            print(f"{script}: {seconds:.1f} s, exit {done.returncode}", file=sys.stderr)
            outputs.append((script, seconds, done.stdout + (done.stderr[-2000:] if done.returncode else "")))
            if done.returncode != 0 or not json_path.exists():
                failed.append(script)
                continue
            rows.extend(ROWS[script](json.loads(json_path.read_text())))
    total = time.perf_counter() - started
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Quality benchmarks",
        "",
        "Written by `bench/quality/run_all.py` (`make bench-quality`). Each script runs linkwatch's own",
        "components on public data annotated by others (`../shared/bench`, see each folder's SOURCE.md) and",
        "a baseline in the same process; how each benchmark is read is in the script's docstring.",
        "",
        f"- date: {now}",
        f"- commit: {git_commit()}",
        f"- run time: {total:.0f} s in total on {os.cpu_count()} cores ("
        + ", ".join(f"{s} {t:.0f} s" for s, t, _ in outputs) + ")",
        "- full data sets, no --limit" if args.limit is None else f"- SMOKE RUN: --limit {args.limit} documents per data set",
    ]
    if failed:
        lines.append(f"- FAILED: {', '.join(failed)} (output below)")
    lines += ["", "| skill | data | metric | linkwatch | baseline (same run) | anchor (published) | bar |",
              "|---|---|---|---|---|---|---|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += ["", "Anchors are quoted from the SOURCE.md files beside the data; the RAMS and WikiEvents ones",
              "(learned models, all event types and roles) were not re-verified and do not measure the same",
              "thing as our restricted rows.", ""]
    for script, seconds, text in outputs:
        lines += [f"## {script} ({seconds:.0f} s)", "", "```", text.rstrip(), "```", ""]
    args.output.write_text("\n".join(lines))
    print("\n".join(lines[:len(lines)]))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
