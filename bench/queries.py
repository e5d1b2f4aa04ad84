"""Query latency on a synthetic knowledge base: links (3 hops), timeline, network --depth 2, new.

    python bench/queries.py --backend sqlite [--claims 1000000] [--entities 100000] [--db PATH] [--reuse]
    python bench/queries.py --backend postgresql [--pg-url URL]   # or a private cluster it starts itself

The generator writes the store's own tables (``linkwatch.store.schema``):
documents, per-document records and events, claims (relations, participations,
attributes), one evidence row per claim, clusters and the kb summaries; then
the product's own ``linkwatch.store.edges.refresh_edges`` builds the analysis
aggregates from them, as ingest does after resolution (its time is printed as
``refresh_s``; ``--reuse`` refreshes only when they are missing, or with
``--refresh``). Who
appears in a document follows a Zipf-like law (a few groups in thousands of
reports, most names in one or two), people keep a home organisation, and most
events are reported by one to three documents, as in news. It prints p50/p95
latency (ms) of each query over ``--queries`` draws, query entities drawn in
proportion to how often they are reported (the hubs analysts ask about most)
or uniformly (``--pick``; both by default). With ``--ingest N`` it then adds N
documents (as ingest and resolution would write them) and times the refresh
ingest runs after them (incremental, ``store.increment``) and a full one
(``--check``: and compares their tables).
"""
from __future__ import annotations

import argparse
import bisect
import datetime as dt
import hashlib
import itertools
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from linkwatch.store import schema  # noqa: E402

UTC = dt.timezone.utc
EVENT_TYPES = ("meeting", "visit", "gathering", "attack", "other")
MODALITIES = ("asserted",) * 6 + ("reported",) * 2 + ("alleged", "denied")


def hid(*parts) -> str:
    return hashlib.sha1("\x1f".join(map(str, parts)).encode()).hexdigest()[:24]


class Zipf:
    """Draw indexes 0..n-1 with weight 1/(i+offset)^s."""

    def __init__(self, n: int, s: float, rng: random.Random, offset: float = 3.0) -> None:
        weights = [1.0 / (i + offset) ** s for i in range(n)]
        self.cum = list(itertools.accumulate(weights))
        self.rng = rng

    def draw(self, uniform: float = 0.3) -> int:
        """A Zipf draw, or with probability ``uniform`` any index (so the long tail is reported too)."""
        if self.rng.random() < uniform:
            return self.rng.randrange(len(self.cum))
        return bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])


def generate(engine, *, n_entities: int, n_claims: int, seed: int = 1) -> dict:
    """Write a synthetic knowledge base of about ``n_claims`` claims; returns counts."""
    rng = random.Random(seed)
    schema.metadata.create_all(engine)
    n_org = n_entities * 3 // 10
    n_loc = n_entities // 10
    n_person = n_entities - n_org - n_loc
    orgs = [f"org-{i}" for i in range(n_org)]
    places = [f"loc-{i}" for i in range(n_loc)]
    people = [f"per-{i}" for i in range(n_person)]
    org_z, loc_z, per_z = Zipf(n_org, 1.05, rng), Zipf(n_loc, 1.1, rng), Zipf(n_person, 0.9, rng)
    home = {p: orgs[org_z.draw()] for p in people}
    kind_of = {**{o: "organization" for o in orgs}, **{p: "place" for p in places}, **{p: "person" for p in people}}

    # kb events are reported again by later documents: a pool to draw re-reports from
    kb_events: list[dict] = []
    buffers = {name: [] for name in ("documents", "records", "events", "claims", "evidence", "clusters")}
    counts = dict.fromkeys(buffers, 0)
    seen_entities: dict[str, int] = {}
    start = dt.date(2015, 1, 1)

    def flush(force: bool = False) -> None:
        for name, rows in buffers.items():
            if rows and (force or len(rows) >= 20000):
                with engine.begin() as conn:
                    conn.execute(insert(schema.metadata.tables[name]), rows)
                counts[name] += len(rows)
                rows.clear()

    claims_written = 0
    doc_no = 0
    while claims_written < n_claims:
        doc_no += 1
        d = f"doc-{doc_no}"
        published = start + dt.timedelta(days=rng.randrange(0, 3650))
        buffers["documents"].append({
            "id": d, "content_hash": hid(d), "source": f"{d}.txt", "url": f"https://news.example/{doc_no}",
            "title": f"Report {doc_no}", "outlet": f"Outlet {rng.randrange(200)}", "published": published.isoformat(),
            "language": "en", "ingested_at": dt.datetime(2025, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=doc_no),
            "extractor": "synthetic@1", "status": "done", "report": None, "simhash": None, "syndicated_of": None})
        records: dict[str, str] = {}

        def record(kb: str) -> str:
            if kb not in records:
                rid = hid("r", d, kb)
                records[kb] = rid
                buffers["records"].append({"id": rid, "document_id": d, "local_id": f"E{len(records)}",
                                           "type": "location" if kind_of[kb] == "place" else kind_of[kb],
                                           "name": kb, "aliases": [], "name_key": kb, "ref_id": None,
                                           "mention_count": 1})
                buffers["clusters"].append({"item_id": rid, "kind": "entity", "kb_id": kb})
                seen_entities[kb] = seen_entities.get(kb, 0) + 1
            return records[kb]

        done: set[str] = set()

        def claim(kind, subject, predicate, obj=None, value=None, role=None, time_value=None) -> None:
            nonlocal claims_written
            cid = hid("c", d, kind, subject, predicate, obj, value, role)
            if cid in done:
                return
            done.add(cid)
            modality = rng.choice(MODALITIES) if kind == "relation" else "asserted"
            conf = round(rng.uniform(0.5, 0.95), 2)
            buffers["claims"].append({"id": cid, "document_id": d, "kind": kind, "subject": subject,
                                      "predicate": predicate, "object": obj, "value": value, "role": role,
                                      "modality": modality, "time_value": time_value, "confidence": conf})
            buffers["evidence"].append({"id": hid("e", cid), "claim_id": cid, "document_id": d, "start": 0,
                                        "end": 80, "quote": f"Synthetic sentence supporting {predicate} in {d}.",
                                        "modality": modality, "extractor": "synthetic@1", "confidence": conf})
            claims_written += 1

        cast = list(dict.fromkeys(people[per_z.draw()] for _ in range(rng.randint(1, 4))))
        groups = list(dict.fromkeys(orgs[org_z.draw()] for _ in range(rng.randint(1, 3))))
        told: set[str] = set()
        for person in cast:
            claim("relation", record(person), "member_of", record(home[person]), role="commander")
        if len(groups) > 1 and rng.random() < 0.3:
            claim("relation", record(groups[0]), rng.choice(("front_of", "allied_with", "offshoot_of")),
                  record(groups[1]))
        for v in range(rng.randint(1, 3)):
            if kb_events and rng.random() < 0.35:  # a re-report of a known event
                kb_ev = kb_events[rng.randrange(len(kb_events))]
            else:
                day = published - dt.timedelta(days=rng.randrange(0, 400))
                precision = rng.random()
                when = None if precision < 0.15 else (day.isoformat() if precision < 0.6 else day.isoformat()[:7])
                kb_ev = {"id": f"ev-{len(kb_events)}", "type": rng.choice(EVENT_TYPES), "time": when,
                         "place": places[loc_z.draw()], "docs": 0}
                kb_events.append(kb_ev)
            if kb_ev["id"] in told:
                continue
            told.add(kb_ev["id"])
            kb_ev["docs"] += 1
            eid = hid("v", d, kb_ev["id"])
            buffers["events"].append({"id": eid, "document_id": d, "local_id": f"V{v}", "type": kb_ev["type"],
                                      "name": None, "time_value": kb_ev["time"], "time_text": kb_ev["time"],
                                      "location_record": record(kb_ev["place"]), "organizer_record": None,
                                      "modality": "asserted"})
            buffers["clusters"].append({"item_id": eid, "kind": "event", "kb_id": kb_ev["id"]})
            present = rng.sample(cast + groups, k=min(len(cast + groups), rng.randint(1, 4)))
            for who in dict.fromkeys(present):
                claim("participation", eid, "participant", record(who))
            claim("participation", eid, "location", record(kb_ev["place"]))
            claim("attribute", eid, "type", value=kb_ev["type"])
            if kb_ev["time"]:
                claim("attribute", eid, "time", value=kb_ev["time"], time_value=kb_ev["time"])
        flush()
    flush(force=True)

    rows = [{"kb_id": kb, "type": "location" if kind_of[kb] == "place" else kind_of[kb], "name": kb.replace("-", " ").title(),
             "aliases": [], "documents": n, "sources": n, "ref_id": None, "watchlisted": kind_of[kb] == "organization"
             and int(kb.split("-")[1]) < 50} for kb, n in seen_entities.items()]
    ev_rows = [{"kb_id": e["id"], "type": e["type"], "name": None, "time_value": e["time"], "time_conflict": None,
                "location_kb": e["place"], "documents": e["docs"], "sources": e["docs"], "confidence": 0.8}
               for e in kb_events]
    with engine.begin() as conn:
        for i in range(0, len(rows), 20000):
            conn.execute(insert(schema.kb_entities), rows[i:i + 20000])
        for i in range(0, len(ev_rows), 20000):
            conn.execute(insert(schema.kb_events), ev_rows[i:i + 20000])
    counts.update(kb_entities=len(rows), kb_events=len(ev_rows), claims=claims_written)
    return counts


def add_documents(engine, n: int, *, seed: int = 3) -> dict:
    """Write ``n`` new documents as an ingest and its resolution would (new records clustered into
    reported entities, a new event and a re-reported one each, the kb summaries' counts), then mark the
    store changed (``store.edges.touch``); returns what was written."""
    from linkwatch.store.edges import touch

    rng = random.Random(seed)
    with engine.begin() as conn:
        batch = conn.execute(select(func.count()).select_from(schema.documents)).scalar()  # ids new on each run
        people, orgs, places = [], [], []
        for r in conn.execute(select(schema.kb_entities.c.kb_id, schema.kb_entities.c.type,
                                     schema.kb_entities.c.documents)):
            {"person": people, "organization": orgs, "location": places}[r.type].append((r.kb_id, r.documents))
        events = [r.kb_id for r in conn.execute(select(schema.kb_events.c.kb_id).where(
            schema.kb_events.c.time_value.is_not(None)).limit(5000))]

        def pick(pool):  # by how often reported, as news would
            return rng.choices([k for k, _ in pool], weights=[w for _, w in pool])[0]

        rows = {name: [] for name in ("documents", "records", "events", "claims", "evidence", "clusters")}
        mentioned: dict[str, int] = {}
        reported: dict[str, int] = {}
        for i in range(n):
            d = f"doc-new-{batch}-{i}"
            rows["documents"].append({"id": d, "content_hash": hid(d), "source": f"{d}.txt", "url": None,
                                      "title": d, "outlet": "Outlet new", "published": "2025-06-01",
                                      "language": "en", "ingested_at": dt.datetime.now(UTC),
                                      "extractor": "synthetic@1", "status": "done", "report": None,
                                      "simhash": None, "syndicated_of": None})
            cast = list(dict.fromkeys([pick(people), pick(people), pick(orgs), pick(orgs)]))
            place = pick(places)
            local = {}
            for kb in cast + [place]:
                rid = local[kb] = hid("r", d, kb)
                rows["records"].append({"id": rid, "document_id": d, "local_id": f"E{len(local)}",
                                        "type": "location" if kb == place else ("person" if kb.startswith("per")
                                                                                 else "organization"),
                                        "name": kb, "aliases": [], "name_key": kb, "ref_id": None,
                                        "mention_count": 1})
                rows["clusters"].append({"item_id": rid, "kind": "entity", "kb_id": kb})
                mentioned[kb] = mentioned.get(kb, 0) + 1
            for v, kb_event in enumerate((f"ev-new-{batch}-{i}", rng.choice(events))):
                eid = hid("v", d, kb_event)
                rows["events"].append({"id": eid, "document_id": d, "local_id": f"V{v}", "type": "meeting",
                                       "name": None, "time_value": None, "time_text": None,
                                       "location_record": local[place], "organizer_record": None,
                                       "modality": "asserted"})
                rows["clusters"].append({"item_id": eid, "kind": "event", "kb_id": kb_event})
                reported[kb_event] = reported.get(kb_event, 0) + 1
                for who in cast[v:v + 3] + [place]:
                    cid = hid("c", d, eid, who)
                    rows["claims"].append({"id": cid, "document_id": d, "kind": "participation", "subject": eid,
                                           "predicate": "location" if who == place else "participant",
                                           "object": local[who], "value": None, "role": None,
                                           "modality": "asserted", "time_value": None, "confidence": 0.8})
                    rows["evidence"].append({"id": hid("e", cid), "claim_id": cid, "document_id": d, "start": 0,
                                             "end": 40, "quote": f"A later report, {d}.", "modality": "asserted",
                                             "extractor": "synthetic@1", "confidence": 0.8})
        for name, table_rows in rows.items():
            conn.execute(insert(schema.metadata.tables[name]), table_rows)
        e, ev = schema.kb_entities, schema.kb_events
        for kb, k in mentioned.items():
            conn.execute(e.update().where(e.c.kb_id == kb).values(documents=e.c.documents + k, sources=e.c.sources + k))
        for kb, k in reported.items():
            if kb.startswith("ev-new-"):
                conn.execute(insert(ev).values(kb_id=kb, type="meeting", name=None, time_value="2025-05-30",
                                               time_conflict=None, location_kb=None, documents=k, sources=k,
                                               confidence=0.8))
            else:
                conn.execute(ev.update().where(ev.c.kb_id == kb).values(documents=ev.c.documents + k,
                                                                        sources=ev.c.sources + k))
        touch(conn)
    return {"documents": n, "claims": len(rows["claims"]), "entities": len(mentioned), "events": len(reported)}


def fingerprint(engine) -> dict:
    """An order-free digest of every aggregate table (to compare an incremental refresh with a rebuild)."""
    out = {}
    with engine.connect() as conn:
        for table in (schema.kb_ties, schema.kb_links, schema.kb_presence, schema.kb_firsts, schema.kb_timelines):
            total = 0
            for r in conn.execute(select(table)).yield_per(50000):
                digest = hashlib.sha1(json.dumps(list(r), sort_keys=True, default=str).encode()).digest()
                total = (total + int.from_bytes(digest[:8], "big")) % (1 << 64)
            out[table.name] = total
    return out


def refresh(engine, *, force: bool) -> dict:
    """Build the analysis aggregates the way the product does after resolution; timed."""
    from linkwatch.store.edges import is_built, refresh_edges

    schema.metadata.create_all(engine)  # an older --reuse store: the aggregates' tables (migration 0005)
    with engine.connect() as conn:
        if is_built(conn) and not force:
            return {}
    t = time.perf_counter()
    counts = refresh_edges(engine, incremental=False)
    return {"refresh_s": round(time.perf_counter() - t, 1), "aggregates": counts}


def refresh_after_ingest(engine, n: int, *, check: bool) -> dict:
    """``n`` new documents, then the refresh ingest runs (incremental), then a full one; both timed."""
    from linkwatch.store.edges import refresh_edges

    out = {"ingested": add_documents(engine, n)}
    t = time.perf_counter()
    counts = refresh_edges(engine)
    out["incremental_refresh_s"] = round(time.perf_counter() - t, 2)
    out["recounted_events"] = counts.get("recounted_events")  # None: it had to rebuild
    if check:
        counted = fingerprint(engine)
    t = time.perf_counter()
    refresh_edges(engine, incremental=False)
    out["full_refresh_s"] = round(time.perf_counter() - t, 1)
    if check:
        out["incremental_equals_full"] = counted == fingerprint(engine)
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(q * (len(ordered) - 1)))))
    return ordered[k]


def run_queries(engine, *, n: int, seed: int = 2, pick: str = "uniform") -> dict:
    """p50/p95 per query; ``pick``: query entities drawn uniformly, or weighted by how often reported."""
    from linkwatch.analysis.links import links
    from linkwatch.analysis.network import network
    from linkwatch.analysis.newlinks import new_links
    from linkwatch.analysis.timeline import timeline
    from linkwatch.store.migrate import migrate

    migrate(engine)  # the analysis indexes are migration 0004
    rng = random.Random(seed)
    with engine.connect() as conn:
        weighted = [(r.kb_id, r.documents, r.type) for r in conn.execute(
            select(schema.kb_entities.c.kb_id, schema.kb_entities.c.documents, schema.kb_entities.c.type)
            .where(schema.kb_entities.c.type != "location"))]
    ids = [w[0] for w in weighted]
    cum = list(itertools.accumulate(w[1] for w in weighted))

    def draw() -> str:
        if pick == "uniform":
            return ids[rng.randrange(len(ids))]
        return ids[bisect.bisect_left(cum, rng.random() * cum[-1])]

    timings: dict[str, list[float]] = {"links": [], "timeline": [], "network": [], "new": []}
    extra = {"links_paths": [], "network_nodes": [], "truncated": 0}
    with engine.connect() as conn:
        for i in range(n):
            a, b = draw(), draw()
            while b == a:
                b = draw()
            t = time.perf_counter()
            result = links(conn, a, b, hops=3)
            timings["links"].append((time.perf_counter() - t) * 1000)
            extra["links_paths"].append(len(result["paths"]))
            extra["truncated"] += bool(result["truncated"])
            t = time.perf_counter()
            timeline(conn, a)
            timings["timeline"].append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            result = network(conn, b, depth=2)
            timings["network"].append((time.perf_counter() - t) * 1000)
            extra["network_nodes"].append(len(result["nodes"]))
            if i < max(3, n // 12):  # `new` scans a date window: fewer draws
                year = rng.randrange(2016, 2025)
                t = time.perf_counter()
                new_links(conn, since=f"{year}-{rng.randrange(1, 13):02d}-01", until=f"{year}-12-31", limit=50)
                timings["new"].append((time.perf_counter() - t) * 1000)
    out = {name: {"p50_ms": round(statistics.median(v), 1), "p95_ms": round(percentile(v, 0.95), 1), "n": len(v)}
           for name, v in timings.items()}
    out["links"]["found_paths_median"] = statistics.median(extra["links_paths"])
    out["links"]["capped"] = extra["truncated"]
    out["network"]["nodes_median"] = statistics.median(extra["network_nodes"])
    return out


def start_postgres(folder: Path) -> str:
    """A private PostgreSQL cluster in ``folder`` (as the postgres user); returns its URL."""
    bindir = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip() or
                  "/usr/lib/postgresql/15/bin")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.chown(folder, "postgres")
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(as_pg + [str(bindir / "initdb"), "-D", str(folder / "data"), "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    port = 55432
    subprocess.run(as_pg + [str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"),
                            "-o", f"-p {port} -k {folder} -c listen_addresses='' -c fsync=off "
                                  f"-c synchronous_commit=off -c shared_buffers=512MB", "-w", "start"],
                   check=True, capture_output=True)
    return f"postgresql+psycopg://postgres@/postgres?host={folder}&port={port}"


def stop_postgres(folder: Path) -> None:
    bindir = Path(subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip())
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run(as_pg + [str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "fast", "stop"],
                   capture_output=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--db", help="SQLite file (default: a temporary one)")
    parser.add_argument("--pg-url", help="an existing PostgreSQL database (default: start a private cluster)")
    parser.add_argument("--reuse", action="store_true", help="query an existing --db without generating")
    parser.add_argument("--refresh", action="store_true",
                        help="rebuild the analysis aggregates even when --reuse finds them built")
    parser.add_argument("--ingest", type=int, default=0,
                        help="then add this many documents and time the refresh after them, incremental and full")
    parser.add_argument("--check", action="store_true",
                        help="with --ingest: check the incremental refresh gives the full one's tables")
    parser.add_argument("--pick", default="uniform,weighted",
                        help="how query entities are drawn: uniform (any entity), weighted (by reports), or both")
    args = parser.parse_args(argv)

    pg_folder = None
    if args.backend == "sqlite":
        path = args.db or os.path.join(tempfile.mkdtemp(prefix="lw-bench-"), "kb.db")
        url = f"sqlite:///{path}"
        if not args.reuse and os.path.exists(path):
            os.remove(path)
    else:
        if args.pg_url:
            url = args.pg_url
        else:
            pg_folder = Path(tempfile.mkdtemp(prefix="lw-pg-"))
            url = start_postgres(pg_folder)
    engine = create_engine(url)
    try:
        report = {"backend": args.backend}
        if not args.reuse:
            if args.backend == "sqlite":
                with engine.connect() as conn:
                    conn.execute(text("PRAGMA journal_mode=WAL"))
            t = time.perf_counter()
            report["generated"] = generate(engine, n_entities=args.entities, n_claims=args.claims)
            report["generate_s"] = round(time.perf_counter() - t, 1)
        report.update(refresh(engine, force=args.refresh or not args.reuse))
        if not args.reuse or "refresh_s" in report:
            if args.backend == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("ANALYZE"))
            else:
                with engine.begin() as conn:
                    conn.execute(text("ANALYZE"))
        for pick in args.pick.split(",") if args.queries else ():
            report[f"queries_{pick}"] = run_queries(engine, n=args.queries, pick=pick)
        if args.ingest:
            report["refresh_after_ingest"] = refresh_after_ingest(engine, args.ingest, check=args.check)
        print(json.dumps(report, indent=1))
    finally:
        engine.dispose()
        if pg_folder:
            stop_postgres(pg_folder)


if __name__ == "__main__":
    main()
