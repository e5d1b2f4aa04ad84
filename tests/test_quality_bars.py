"""The extraction quality bars of issue 2, measured with ../shared/eval/score.py.

Each bar is asserted. A bar the extractor does not meet yet is marked
``xfail(strict=True)`` with the figure last measured: the suite stays usable
for catching regressions, the gap stays visible, and the day the bar is met
the strict xfail turns into a failure that forces the marker's removal.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

SEED_BARS = {"entities": 0.95, "relations": 0.90, "events": 0.85, "event_strict": 0.75, "event_time": 0.90,
             "links_org": 0.95}
DEV_BARS = {"entities": 0.85, "relations": 0.70, "events": 0.70, "event_strict": 0.50, "event_time": 0.80,
            "links_org": 0.70}
# bars not met yet on the development set (figure from scripts/score.py at the time of writing); none now
DEV_NOT_YET: dict[str, float] = {}


def _value(summary: dict, measure: str) -> float:
    entry = summary[measure]
    return entry["acc"] if "acc" in entry else entry["f1"]


@pytest.fixture(scope="session")
def scored(shared_dir, tmp_path_factory):
    from linkwatch.ingest import read_paths
    from linkwatch.pipeline import extract_articles

    out = tmp_path_factory.mktemp("pred")
    for report in extract_articles(read_paths([shared_dir / "seeds", shared_dir / "dev" / "articles"])):
        assert isinstance(report, dict), report
        (out / f"{report['document']['id']}.json").write_text(json.dumps(report))
    results = {}
    for name, args in {
        "seed": [str(shared_dir / "gold" / "000_2d5a9de672f009ca.gold.json"), str(out / "000_2d5a9de672f009ca.json")],
        "dev": ["--gold-dir", str(shared_dir / "dev" / "gold"), "--pred-dir", str(out)],
    }.items():
        target = out / f"{name}.score.json"
        subprocess.run([sys.executable, str(shared_dir / "eval" / "score.py"), *args, "--json", str(target)],
                       check=True, capture_output=True)
        results[name] = json.loads(target.read_text())["summary"]
    return results


@pytest.mark.parametrize("measure,bar", SEED_BARS.items())
def test_seed_bar(scored, measure, bar):
    assert _value(scored["seed"], measure) >= bar


def _dev_cases():
    for measure, bar in DEV_BARS.items():
        marks = []
        if measure in DEV_NOT_YET:
            marks.append(pytest.mark.xfail(strict=True, reason=f"dev {measure} bar {bar} not met yet "
                                                               f"(measured {DEV_NOT_YET[measure]})"))
        yield pytest.param(measure, bar, marks=marks, id=measure)


@pytest.mark.parametrize("measure,bar", list(_dev_cases()))
def test_dev_bar(scored, measure, bar):
    assert _value(scored["dev"], measure) >= bar


def test_beats_the_cooccurrence_peer_on_the_seed(scored):
    # the DIY peer (spaCy entities + same-sentence co-mention) scores entities 0.72, org links 0.73
    assert _value(scored["seed"], "entities") > 0.72
    assert _value(scored["seed"], "links_org") > 0.73
    assert _value(scored["seed"], "relations") > 0.0
