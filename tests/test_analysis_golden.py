"""Golden tests: the seed report and the development articles, ingested for real, then questioned.

Regenerate the golden file after a deliberate change with::

    LINKWATCH_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_analysis_golden.py

The semantic checks below are the issue's acceptance checks; the golden file
pins the rest of the output (paths, hops, dates, places), so a change in
extraction or resolution that moves an answer shows up in review.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden" / "analysis" / "seed_dev.json"
UPDATE = os.environ.get("LINKWATCH_UPDATE_GOLDEN") == "1"
SEED = "seeds/000_2d5a9de672f009ca.txt"


@pytest.fixture(scope="module")
def answers(shared_dir, tmp_path_factory):
    from linkwatch.analysis import open_kb
    from linkwatch.analysis.links import links
    from linkwatch.analysis.newlinks import new_links
    from linkwatch.analysis.timeline import timeline
    from linkwatch.kb import ingest_paths

    db = tmp_path_factory.mktemp("golden") / "kb.db"
    engine = open_kb(str(db))
    ingest_paths([str(shared_dir / SEED), str(shared_dir / "dev" / "articles")], db=engine)
    with engine.connect() as conn:
        return {"links": links(conn, "Hamas", "Lashkar-e-Taiba", hops=3),
                "timeline": timeline(conn, "Naji Zaheer"),
                "new": new_links(conn, since="2025-01-01")}


def all_hops(result: dict) -> list[dict]:
    return result["direct"] + [t for p in result["paths"] for s in p["steps"] for t in s["ties"]]


def summary(answers: dict) -> dict:
    """The stable part of the answers: what an analyst reads, not ids or confidences."""
    def hop(h):
        quote = (h["evidence"][0]["quote"] if h["evidence"] else "") or ""
        return {"kind": h["kind"], "from": h["from"]["name"], "to": h["to"]["name"], "date": h["date"],
                "place": h["place"], "quote": " ".join(quote.split())[:100]}
    return {
        "links": {"direct": [hop(h) for h in answers["links"]["direct"]],
                  "paths": [{"entities": [e["name"] for e in p["entities"]],
                             "steps": [hop(s["ties"][0]) for s in p["steps"]]} for p in answers["links"]["paths"]]},
        "timeline": {"dated": [[e["date"], e["type"], e["place"], e["via"]["name"] if e["via"] else None]
                               for e in answers["timeline"]["events"]],
                     "undated": [[e["type"], e["place"]] for e in answers["timeline"]["undated"]]},
        "new": [link["summary"] for link in answers["new"]["links"]],
    }


def test_golden(answers):
    got = summary(answers)
    if UPDATE or not GOLDEN.exists():
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(json.dumps(got, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        if not UPDATE:
            pytest.skip(f"wrote {GOLDEN}; review and commit it")
    assert got == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_links_gujranwala_co_presence(answers):
    hops = [h for h in all_hops(answers["links"]) if h["kind"] == "co_presence" and h["place"] == "Gujranwala"]
    assert hops, "no Gujranwala co-presence between Hamas and Lashkar-e-Taiba"
    quotes = " ".join(q["quote"] for h in hops for q in h["evidence"])
    assert "Zaheer" in quotes and "Sandhu" in quotes


def test_links_pok_rally(answers):
    hops = [h for h in all_hops(answers["links"]) if h["kind"] == "co_presence"
            and h["date"] == "2025-02" and h["place"] == "Pakistan-occupied Kashmir"
            and (h["event"] or {}).get("type") == "gathering"]
    assert hops and all(h["evidence"] and h["evidence"][0]["quote"] for h in hops)


def test_timeline_naji_zaheer(answers):
    dated = [e["date"] for e in answers["timeline"]["events"]]
    assert dated == sorted(dated, key=lambda d: d)  # oldest first
    assert dated[0] == "2023-10-07" and dated[-1].startswith("2025-02")
    assert {"2023-10-14", "2023-10-29", "2023-11"} <= set(dated)
    assert any(e["place"] == "Gujranwala" and e["type"] == "meeting" for e in answers["timeline"]["undated"])


def test_new_reports_hamas_jem(answers):
    pairs = [{l["a"]["name"], l["b"]["name"]} for l in answers["new"]["links"]]
    assert {"Hamas", "Jaish-e-Mohammed"} in pairs
