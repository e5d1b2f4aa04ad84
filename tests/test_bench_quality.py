"""Smoke tests for bench/quality: every script runs on two documents and prints its figures.

The measurements themselves are ``make bench-quality``; these only keep the
scripts from rotting. They need ../shared (see ``shared_dir``).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench" / "quality"


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH / script), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.parametrize("script, data_args, figure", [
    ("tempeval.py", ("--data", "bench/tempeval3_platinum"), "valueF1"),
    ("meantime.py", ("--data", "bench/meantime_en"), "relaxF1"),
    ("toponyms.py", ("--shared", "."), "acc@161"),
    ("event_args.py", ("--shared", "."), "Arg-C"),
])
def test_script_runs_on_two_documents(shared_dir, tmp_path, script, data_args, figure):
    option, relative = data_args
    out = tmp_path / "figures.json"
    done = run(script, option, str(shared_dir / relative), "--limit", "2", "--json", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    assert figure in done.stdout
    assert "baseline" in done.stdout
    assert json.loads(out.read_text())


def test_run_all_writes_a_table(shared_dir, tmp_path):
    out = tmp_path / "RESULTS.md"
    done = run("run_all.py", "--limit", "1", "--output", str(out))
    assert done.returncode == 0, done.stderr[-2000:]
    text = out.read_text()
    assert "| skill | data | metric | linkwatch |" in text
    for skill in ("time expressions", "entities in news", "toponym resolution", "event arguments"):
        assert skill in text
    assert "SMOKE RUN" in text
