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
NOT_YET: dict = {}


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


def _per_document_scores(shared_dir, reports, out_dir):
    out_dir.mkdir(exist_ok=True)
    for report in reports:
        (out_dir / f"{report['document']['id']}.json").write_text(json.dumps(report))
    target = out_dir / "score.json"
    subprocess.run([sys.executable, str(shared_dir / "eval" / "score.py"), "--gold-dir", str(shared_dir / "dev" / "gold"),
                    "--pred-dir", str(out_dir), "--json", str(target)], check=True, capture_output=True)
    return json.loads(target.read_text())["summary"]


def test_exported_reports_score_as_extract_alone(shared_dir, tmp_path):
    """Per-document scores of the knowledge base's exported reports never fall below extraction's."""
    from linkwatch.ingest import read_paths
    from linkwatch.kb import ingest_paths
    from linkwatch.pipeline import extract_articles
    from linkwatch.store import connect, iter_reports

    engine = connect(str(tmp_path / "kb.db"))
    ingest_paths([str(shared_dir / "dev" / "articles")], db=engine)
    exported = _per_document_scores(shared_dir, list(iter_reports(engine)), tmp_path / "exported")
    alone = _per_document_scores(shared_dir, [r for r in extract_articles(read_paths([shared_dir / "dev" / "articles"]))
                                              if isinstance(r, dict)], tmp_path / "alone")
    for measure in ("entities", "relations", "events", "event_strict", "links_org"):
        assert exported[measure]["f1"] >= alone[measure]["f1"], measure
