"""Score the knowledge base on the development corpus (../shared/dev) against the issue's bars.

Ingests every article with the real extractor, exports reports-jsonl via
``linkwatch.store.iter_reports`` and runs ``eval/score_kb.py``.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

BARS = {("entities_bcubed", "f1"): 0.95, ("entities_cross_doc", "f1"): 0.92, ("events_cross_doc", "f1"): 0.70}
# bars not met yet (figure last measured); strict: meeting the bar fails the test until the marker goes
NOT_YET = {("events_cross_doc", "f1"): 0.687}


@pytest.fixture(scope="module")
def kb_scores(shared_dir, tmp_path_factory):
    from linkwatch.kb import ingest_paths
    from linkwatch.store import connect, iter_reports
    tmp = tmp_path_factory.mktemp("kbdev")
    engine = connect(str(tmp / "kb.db"))
    summary = ingest_paths([str(shared_dir / "dev" / "articles")], db=engine)
    assert summary["failed"] == 0, summary["failures"]
    out = tmp / "all.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for report in iter_reports(engine):
            fh.write(json.dumps(report) + "\n")
    scores = tmp / "scores.json"
    subprocess.run([sys.executable, str(shared_dir / "eval" / "score_kb.py"), "--gold-dir",
                    str(shared_dir / "dev" / "gold"), "--pred-jsonl", str(out), "--json", str(scores)],
                   check=True, capture_output=True)
    return json.loads(scores.read_text())


def _cases():
    for measure, bar in BARS.items():
        marks = [pytest.mark.xfail(strict=True, reason=f"bar {bar} not met yet (measured {NOT_YET[measure]})")] \
            if measure in NOT_YET else []
        yield pytest.param(measure, bar, marks=marks, id="-".join(measure))


@pytest.mark.parametrize("measure,bar", list(_cases()))
def test_dev_bars(kb_scores, measure, bar):
    key, stat = measure
    assert kb_scores[key][stat] >= bar, f"{key} {stat} {kb_scores[key][stat]} < {bar}: {kb_scores[key]}"
