"""STIX 2.1 bundle: threat-actor / identity / location / relationship / note / report.

* organisations that are watchlisted or designated become ``threat-actor``,
  other organisations and people ``identity`` (class organization / individual);
* places become ``location`` (with the country when the reference data knows
  it; otherwise the region is left ``unknown`` and the name says where);
* static ties become ``relationship`` objects (``member-of``, ``front-of``,
  ``offshoot-of``, ``allied-with``, ``designated-by``) with the extractor's
  confidence (0–100) and the source articles as external references;
* events become ``note`` objects about their participants and place;
* each source article becomes a ``report`` referencing what it supports.

Ids are UUIDv5 of the knowledge-base ids, so re-exporting gives the same ids.
"""
from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from typing import Iterable

import stix2

from linkwatch.errors import ExportError

NAMESPACE = uuid.UUID("6f1d6a3e-9a1b-4c55-9d2e-5a1f3c0b7e21")
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)


def stix_id(kind: str, key: str) -> str:
    return f"{kind}--{uuid.uuid5(NAMESPACE, kind + ':' + key)}"


def _confidence(value) -> int | None:
    return None if value is None else max(0, min(100, int(round(float(value) * 100))))


def _timestamp(published: str | None) -> dt.datetime:
    if published:
        try:
            day = dt.date.fromisoformat(published[:10])
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
        except ValueError:
            pass
    return EPOCH


def _references(doc_ids: Iterable[str], docs: dict, quotes: list[dict]) -> list[dict]:
    out = []
    by_doc = defaultdict(list)
    for q in quotes:
        by_doc[q["document"]].append(q)
    for d in doc_ids:
        doc = docs.get(d, {"id": d})
        ref = {"source_name": doc.get("outlet") or "linkwatch document", "external_id": d}
        if doc.get("url"):
            ref["url"] = doc["url"]
        quote = next((q["quote"] for q in by_doc.get(d, []) if q.get("quote")), None)
        if quote:
            ref["description"] = " ".join(quote.split())[:1000]
        out.append(ref)
    return out


def to_stix(records: Iterable[dict]) -> stix2.Bundle:
    """Build the bundle from export records (``linkwatch.export.records``)."""
    docs: dict[str, dict] = {}
    entities: dict[str, dict] = {}
    relations: list[dict] = []
    events: list[dict] = []
    for record in records:
        {"document": lambda r: docs.__setitem__(r["id"], r), "entity": lambda r: entities.__setitem__(r["id"], r),
         "relation": relations.append, "event": events.append}.get(record["kind"], lambda r: None)(record)

    designated = {r["subject"] for r in relations if r["predicate"] == "designated_by"
                  and "denied" not in r["modality"]}
    system = stix2.Identity(id=stix_id("identity", "linkwatch"), name="linkwatch", identity_class="system",
                            created=EPOCH, modified=EPOCH)
    common = {"created_by_ref": system.id, "created": EPOCH, "modified": EPOCH}
    objects: list = [system]
    ref_of: dict[str, str] = {}
    by_doc: dict[str, list[str]] = defaultdict(list)
    for e in entities.values():
        aliases = [a for a in e.get("aliases") or [] if a and a != e["name"]]
        labels = ["watchlisted"] if e.get("watchlisted") else []
        if e["type"] == "organization" and (e.get("watchlisted") or e["id"] in designated):
            obj = stix2.ThreatActor(id=stix_id("threat-actor", e["id"]), name=e["name"], aliases=aliases or None,
                                    labels=labels or None, **common,
                                    description=", ".join(w.get("list", "") for w in e.get("watchlists") or [])
                                    or None)
        elif e["type"] in ("organization", "person"):
            obj = stix2.Identity(id=stix_id("identity", e["id"]), name=e["name"],
                                 identity_class="individual" if e["type"] == "person" else "organization",
                                 description=("Also known as " + ", ".join(aliases)) if aliases else None,
                                 labels=labels or None, **common)
        elif e["type"] == "location":
            geo = e.get("geo") or {}
            place = {"country": geo["country"]} if geo.get("country") else {"region": "unknown"}
            obj = stix2.Location(id=stix_id("location", e["id"]), name=e["name"], **place, **common)
        else:
            continue
        ref_of[e["id"]] = obj.id
        objects.append(obj)

    for r in relations:
        if r["subject"] not in ref_of or r["object"] not in ref_of:
            continue
        quote = next((q["quote"] for q in r["evidence"] if q.get("quote")), None)
        description = "; ".join(filter(None, [
            f"modality: {', '.join(r['modality'])}", f"role: {', '.join(r['roles'])}" if r["roles"] else None,
            f"{r['sources']} independent source(s)", f"“{' '.join(quote.split())}”" if quote else None]))
        rel = stix2.Relationship(id=stix_id("relationship", r["id"]), source_ref=ref_of[r["subject"]],
                                 target_ref=ref_of[r["object"]], relationship_type=r["predicate"].replace("_", "-"),
                                 description=description, confidence=_confidence(r.get("confidence")),
                                 external_references=_references(r["documents"], docs, r["evidence"]) or None,
                                 **common)
        objects.append(rel)
        for d in r["documents"]:
            by_doc[d].append(rel.id)

    for ev in events:
        refs = [ref_of[p["entity"]] for p in ev["participants"] if p["entity"] in ref_of]
        refs += [ref_of[o] for o in ev.get("organizers") or [] if o in ref_of]
        if ev.get("place") in ref_of:
            refs.append(ref_of[ev["place"]])
        refs = sorted(set(refs))
        if not refs:
            continue
        names = {k: v["name"] for k, v in entities.items()}
        place = names.get(ev.get("place"))
        who = ", ".join(names.get(p["entity"], p["entity"]) + (f" ({p['role']})" if p.get("role") else "")
                        for p in ev["participants"])
        abstract = f"{ev['type']}{' “' + ev['name'] + '”' if ev.get('name') else ''} " \
                   f"{ev.get('date') or 'undated'}{', ' + place if place else ''}"
        quotes = [" ".join(q["quote"].split()) for q in ev["evidence"] if q.get("quote")][:3]
        content = "\n".join(filter(None, [f"Participants: {who}" if who else None,
                                          f"Organised by: {', '.join(names.get(o, o) for o in ev['organizers'])}"
                                          if ev.get("organizers") else None,
                                          f"Modality: {', '.join(ev['modality'])}; "
                                          f"{ev['sources']} independent source(s)",
                                          *(f"“{q}”" for q in quotes)]))
        note = stix2.Note(id=stix_id("note", ev["id"]), abstract=abstract, content=content, object_refs=refs,
                          confidence=_confidence(ev.get("confidence")),
                          external_references=_references(ev["documents"], docs, ev["evidence"]) or None,
                          **common)
        objects.append(note)
        for d in ev["documents"]:
            by_doc[d].append(note.id)

    for d, refs in sorted(by_doc.items()):
        doc = docs.get(d, {"id": d})
        ref = {"source_name": doc.get("outlet") or "linkwatch document", "external_id": d}
        if doc.get("url"):
            ref["url"] = doc["url"]
        objects.append(stix2.Report(id=stix_id("report", d), name=doc.get("title") or d,
                                    published=_timestamp(doc.get("published")), object_refs=sorted(set(refs)),
                                    report_types=["threat-actor"], external_references=[ref], **common))
    return stix2.Bundle(objects=objects, id=stix_id("bundle", "linkwatch"))


def write_stix(records: Iterable[dict], path) -> dict:
    bundle = to_stix(records)
    try:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(bundle.serialize(pretty=True))
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}") from exc
    counts = defaultdict(int)
    for obj in bundle.objects:
        counts[obj.type] += 1
    return {"path": str(path), "objects": len(bundle.objects), **counts}


def bundle_json(records: Iterable[dict]) -> dict:
    return json.loads(to_stix(records).serialize())
