"""Doc → report: a pure function from a parsed document to the contract's dict."""
from __future__ import annotations

from spacy.tokens import Doc, Span

from linkwatch.extract.entities import Entities, collect_entities
from linkwatch.extract.events import Event, extract_events
from linkwatch.extract.relations import Relation, extract_relations, merge_title_persons
from linkwatch.model.records import Article

EXTRACTOR = "linkwatch.extract@0.1"
MODALITY_CONFIDENCE = {"asserted": 0.9, "reported": 0.75, "alleged": 0.55, "denied": 0.3}


def _timexes(doc: Doc, published: str | None) -> list:
    from linkwatch.extract.timex import find_timexes
    sentences = [(s.start_char, s.end_char) for s in doc.sents]
    return find_timexes(doc.text, published=published, sentences=sentences)


def _span(span: Span) -> dict:
    return {"start": span.start_char, "end": span.end_char, "text": span.text}


def _entity_dict(ent, ents: Entities) -> dict:
    out = {"id": ent.id, "name": ent.name, "type": ent.type,
           "aliases": [f for f in ent.forms if f != ent.name],
           "mentions": [{"start": s, "end": e, "text": t} for s, e, t in ent.mentions]}
    if ent.org_id:
        from linkwatch.model import reference
        out["kb_id"] = None
        out["ref_id"] = ent.org_id
        lists = reference.watchlists_for(ent.org_id)
        if lists:
            out["watchlists"] = lists
    place = ent.place
    if place is not None:
        out["geo"] = {"lat": place.lat, "lon": place.lon, "country": place.country,
                      "geonames_id": place.geonames_id, "kind": place.kind}
        out["ref_id"] = f"geonames:{place.geonames_id}" if place.geonames_id else f"place:{place.country}:{place.name}"
    if ent.person_ref is not None:
        out["ref_id"] = f"person:{ent.person_ref.id}"
    return out


def _relation_dict(rel: Relation) -> dict:
    return {"subject": rel.subject.id, "predicate": rel.predicate, "object": rel.object.id,
            "role": rel.role, "modality": rel.modality, "time": None,
            "confidence": round(min(rel.confidence, MODALITY_CONFIDENCE[rel.modality] + 0.05), 2),
            "evidence": [_span(rel.sentence)], "extractor": EXTRACTOR}


def _event_dict(i: int, ev: Event) -> dict:
    time = None
    if ev.time is not None:
        time = {"value": ev.time.value, "text": ev.time.text}
    roles = ev.roles
    return {"id": f"V{i}", "type": ev.type, "name": ev.name,
            "participants": [{"entity": p.id, "role": roles.get(p.id)} for p in ev.participants],
            "organizer": ev.organizer.id if ev.organizer else None,
            "location": ev.location.id if ev.location else None,
            "time": time, "modality": ev.modality,
            "confidence": MODALITY_CONFIDENCE[ev.modality],
            "future": ev.future,
            "evidence": [_span(s) for s in sorted(ev.sentences, key=lambda s: s.start)],
            "extractor": EXTRACTOR}


def _dateline_date(doc: Doc) -> str | None:
    """A full date in the opening dateline ("UNITED NATIONS, May 1, 2019 —") dates an undated document."""
    first = next(iter(doc.sents), None)
    if first is None or first.end_char > 200:
        return None
    for tx in _timexes(doc[first.start:first.end].as_doc(), None):
        if tx.value and len(tx.value) == 10 and tx.anchor == "explicit":
            return tx.value
    return None


def build_report(doc: Doc, article: Article) -> dict:
    ents = collect_entities(doc)
    published = article.published or _dateline_date(doc)
    timexes = _timexes(doc, published)
    relations = extract_relations(doc, ents, published=published)
    relations = merge_title_persons(ents, relations)
    members: dict[str, set[str]] = {}
    for rel in relations:
        if rel.predicate == "member_of":
            members.setdefault(rel.subject.id, set()).add(rel.object.id)
    events = extract_events(doc, ents, timexes, members=members)
    events.sort(key=lambda e: e.trigger.i)
    document = article.document()
    if published and not article.published:
        document["published_inferred"] = published  # from the dateline; `published` stays as the source gave it
    return {
        "document": document,
        "entities": [_entity_dict(e, ents) for e in ents.entities],
        "relations": [_relation_dict(r) for r in relations],
        "events": [_event_dict(i, ev) for i, ev in enumerate(events, 1)],
        "extractor": EXTRACTOR,
    }
