"""A small knowledge base written straight into the store's tables, for analysis tests.

The records are invented (people, groups and places that do not exist); the
builder writes the rows ingest would write: documents, per-document records
and events, claims, evidence, clusters and the kb summaries.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

import pytest
from sqlalchemy import create_engine, insert

from linkwatch.store import schema
from linkwatch.store.edges import refresh_edges

UTC = dt.timezone.utc


def _h(*parts) -> str:
    return hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:24]


# entity kb id → (name, type, aliases)
ENTITIES = {
    "alpha-front": ("Alpha Front", "organization", ["AF", "Alfa Front"]),
    "beta-army": ("Beta Army", "organization", ["BA"]),
    "gamma-league": ("Gamma League", "organization", ["GL"]),
    "delta-group": ("Delta Group", "organization", []),
    "epsilon-party": ("Epsilon Party", "organization", []),
    "omar-idris": ("Omar Idris", "person", ["Idris"]),
    "karim-basri": ("Karim Basri", "person", ["Basri"]),
    "yusuf-tahir": ("Yusuf Tahir", "person", ["Tahir"]),
    "omar-idrees": ("Omar Idrees", "person", []),  # a different man, for ambiguity tests
    "northtown": ("Northtown", "location", []),
    "hill-province": ("Hill Province", "location", []),
    "port-city": ("Port City", "location", []),
}

# documents: relations (subject, predicate, object, role, modality, confidence, quote)
# and events (kb id, type, name, time, place, [(participant, role)], organizer, quote)
DOCS = [
    {"id": "doc-a", "outlet": "Daily Example", "published": "2025-03-10", "url": "https://example.org/a",
     "ingested_at": dt.datetime(2025, 3, 11, tzinfo=UTC),
     "relations": [
         ("omar-idris", "member_of", "alpha-front", "senior commander", "asserted", 0.9,
          "Senior Alpha Front commander Omar Idris met Karim Basri."),
         ("karim-basri", "member_of", "beta-army", "commander", "asserted", 0.9,
          "Karim Basri, a Beta Army commander, hosted him."),
         ("gamma-league", "front_of", "beta-army", None, "alleged", 0.7,
          "Gamma League, widely believed to be a front of Beta Army, organised it."),
         ("alpha-front", "designated_by", "epsilon-party", None, "asserted", 0.8, "Designated, it said."),
     ],
     "events": [
         ("ev-northtown-meeting", "meeting", None, None, "northtown",
          [("omar-idris", "chief guest"), ("karim-basri", None)], "gamma-league",
          "Omar Idris recently met Karim Basri in Northtown."),
         ("ev-hill-rally", "gathering", None, "2025-02", "hill-province",
          [("omar-idris", "speaker"), ("beta-army", None), ("delta-group", None)], None,
          "In February 2025 Idris addressed a rally with commanders of Beta Army and Delta Group."),
         ("ev-tahir-meeting", "meeting", None, "2023-10-14", None,
          [("omar-idris", None), ("yusuf-tahir", None)], None,
          "On October 14, 2023, Idris met Yusuf Tahir."),
         ("ev-port-conference", "gathering", "Sea Storm", "2023-10-29", "port-city",
          [("omar-idris", None)], None, "Idris appeared at the Sea Storm conference in Port City."),
     ]},
    {"id": "doc-b", "outlet": "Weekly Sample", "published": "2025-03-12", "url": "https://example.net/b",
     "ingested_at": dt.datetime(2025, 3, 13, tzinfo=UTC),
     "relations": [
         ("yusuf-tahir", "member_of", "epsilon-party", "chief", "asserted", 0.85,
          "Yusuf Tahir, chief of Epsilon Party, spoke."),
         ("omar-idris", "member_of", "alpha-front", "commander", "reported", 0.8,
          "Idris is reported to be an Alpha Front commander."),
         ("gamma-league", "front_of", "beta-army", None, "denied", 0.6,
          "Gamma League denies being a front of Beta Army."),
     ],
     "events": [
         ("ev-hill-rally", "gathering", None, "2025-02-05", "hill-province",
          [("omar-idris", None), ("delta-group", None)], None,
          "Idris spoke at a rally in Hill Province on February 5, 2025, alongside Delta Group."),
     ]},
    {"id": "doc-c", "outlet": "Daily Example", "published": "2024-05-01", "syndicated_of": "doc-old",
     "url": "https://example.org/c", "ingested_at": dt.datetime(2025, 1, 2, tzinfo=UTC),
     "relations": [("omar-idrees", "member_of", "delta-group", "spokesman", "asserted", 0.9,
                    "Delta Group spokesman Omar Idrees said so.")],
     "events": [("ev-port-visit", "visit", None, "2024-01", "port-city", [("omar-idrees", None)], None,
                 "Omar Idrees visited Port City in January 2024.")]},
]


def build_kb(engine, docs=DOCS, entities=ENTITIES) -> None:
    schema.metadata.create_all(engine)
    rows = defaultdict(list)
    kb_docs: dict[str, set] = defaultdict(set)
    ev_docs: dict[str, set] = defaultdict(set)
    ev_info: dict[str, dict] = {}
    for doc in docs:
        d = doc["id"]
        rows["documents"].append({"id": d, "content_hash": _h(d), "source": f"{d}.txt", "url": doc.get("url"),
                                  "title": f"Title {d}", "outlet": doc.get("outlet"),
                                  "published": doc.get("published"), "language": "en",
                                  "ingested_at": doc["ingested_at"], "extractor": "fixture@1",
                                  "status": "done", "syndicated_of": doc.get("syndicated_of")})
        local: dict[str, str] = {}

        def record(kb_id: str) -> str:
            if kb_id not in local:
                rid = _h("record", d, kb_id)
                name, etype, aliases = entities[kb_id]
                local[kb_id] = rid
                rows["records"].append({"id": rid, "document_id": d, "local_id": f"E{len(local)}", "type": etype,
                                        "name": name, "aliases": aliases, "name_key": None, "ref_id": None,
                                        "mention_count": 1})
                rows["clusters"].append({"item_id": rid, "kind": "entity", "kb_id": kb_id})
                kb_docs[kb_id].add(doc.get("syndicated_of") or d)
            return local[kb_id]

        def claim(kind, subject, predicate, obj, role, modality, confidence, quote, time_value=None):
            cid = _h("claim", d, kind, subject, predicate, obj, role)
            rows["claims"].append({"id": cid, "document_id": d, "kind": kind, "subject": subject,
                                   "predicate": predicate, "object": obj, "value": None, "role": role,
                                   "modality": modality, "time_value": time_value, "confidence": confidence})
            start = 0
            rows["evidence"].append({"id": _h("ev", cid, quote), "claim_id": cid, "document_id": d,
                                     "start": start, "end": len(quote), "quote": quote, "modality": modality,
                                     "extractor": "fixture@1", "confidence": confidence})

        for s, p, o, role, modality, conf, quote in doc["relations"]:
            claim("relation", record(s), p, record(o), role, modality, conf, quote)
        for i, (kb_ev, etype, name, time, place, parts, organizer, quote) in enumerate(doc["events"], 1):
            eid = _h("event", d, kb_ev)
            rows["events"].append({"id": eid, "document_id": d, "local_id": f"V{i}", "type": etype, "name": name,
                                   "time_value": time, "time_text": time,
                                   "location_record": record(place) if place else None,
                                   "organizer_record": record(organizer) if organizer else None,
                                   "modality": "asserted"})
            rows["clusters"].append({"item_id": eid, "kind": "event", "kb_id": kb_ev})
            ev_docs[kb_ev].add(doc.get("syndicated_of") or d)
            info = ev_info.setdefault(kb_ev, {"type": etype, "name": name, "times": set(), "place": place})
            if time:
                info["times"].add(time)
            for who, role in parts:
                claim("participation", eid, "participant", record(who), role, "asserted", 0.8, quote)
            if organizer:
                claim("participation", eid, "organizer", record(organizer), None, "asserted", 0.8, quote)
            if place:
                claim("participation", eid, "location", record(place), None, "asserted", 0.8, quote)
    for kb_id, (name, etype, aliases) in entities.items():
        if kb_id in kb_docs:
            rows["kb_entities"].append({"kb_id": kb_id, "type": etype, "name": name, "aliases": aliases,
                                        "documents": len(kb_docs[kb_id]), "sources": len(kb_docs[kb_id]),
                                        "ref_id": None, "watchlisted": kb_id == "beta-army"})
    for kb_ev, info in ev_info.items():
        times = sorted(info["times"], key=len)
        rows["kb_events"].append({"kb_id": kb_ev, "type": info["type"], "name": info["name"],
                                  "time_value": times[-1] if times else None, "time_conflict": None,
                                  "location_kb": info["place"], "documents": len(ev_docs[kb_ev]),
                                  "sources": len(ev_docs[kb_ev]), "confidence": 0.8})
    with engine.begin() as conn:
        for table in ("documents", "records", "events", "claims", "evidence", "clusters", "kb_entities",
                      "kb_events"):
            if rows[table]:
                conn.execute(insert(schema.metadata.tables[table]), rows[table])


@pytest.fixture(params=["claims", "aggregates"])
def kb_engine(request):
    """The fixture KB, read from claims, or (as after an ingest) with the analysis aggregates built."""
    engine = create_engine("sqlite://")
    build_kb(engine)
    if request.param == "aggregates":
        refresh_edges(engine)
    return engine


def test_fixture_kb_has_rows(kb_engine):
    from sqlalchemy import func, select
    with kb_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.claims)).scalar() > 10
        assert conn.execute(select(func.count()).select_from(schema.kb_entities)).scalar() == len(ENTITIES)
