"""CSV for spreadsheets and scripts: nodes.csv, edges.csv, events.csv, evidence.csv in one folder."""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Iterable

from linkwatch.errors import ExportError

NODE_FIELDS = ["id", "name", "type", "aliases", "watchlisted", "documents", "sources"]
EDGE_FIELDS = ["id", "source", "target", "predicate", "roles", "modality", "confidence", "sources", "date",
               "documents"]
EVENT_FIELDS = ["id", "type", "name", "date", "place", "participants", "organizers", "modality", "confidence",
                "sources", "documents"]
EVIDENCE_FIELDS = ["about", "kind", "document", "outlet", "url", "published", "start", "end", "modality", "quote"]


def write_csv(records: Iterable[dict], folder) -> dict:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        files = {name: (folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
                 for name in ("nodes", "edges", "events", "evidence")}
    except OSError as exc:
        raise ExportError(f"cannot write into {folder}: {exc.strerror}") from exc
    counts = dict.fromkeys(files, 0)
    try:
        writers = {
            "nodes": csv.DictWriter(files["nodes"], NODE_FIELDS),
            "edges": csv.DictWriter(files["edges"], EDGE_FIELDS),
            "events": csv.DictWriter(files["events"], EVENT_FIELDS),
            "evidence": csv.DictWriter(files["evidence"], EVIDENCE_FIELDS),
        }
        for w in writers.values():
            w.writeheader()
        docs: dict[str, dict] = {}

        def cite(about: str, kind: str, record: dict) -> None:
            for q in record.get("evidence") or []:
                doc = docs.get(q["document"], {})
                writers["evidence"].writerow({
                    "about": about, "kind": kind, "document": q["document"], "outlet": doc.get("outlet"),
                    "url": doc.get("url"), "published": doc.get("published"), "start": q.get("start"),
                    "end": q.get("end"), "modality": q.get("modality"), "quote": " ".join((q.get("quote") or "").split())})
                counts["evidence"] += 1

        for record in records:
            kind = record["kind"]
            if kind == "document":
                docs[record["id"]] = record
            elif kind == "entity":
                writers["nodes"].writerow({
                    "id": record["id"], "name": record["name"], "type": record["type"],
                    "aliases": "; ".join(record.get("aliases") or []), "watchlisted": int(bool(record.get("watchlisted"))),
                    "documents": record.get("documents"), "sources": record.get("sources")})
                counts["nodes"] += 1
            elif kind == "relation":
                writers["edges"].writerow({
                    "id": record["id"], "source": record["subject"], "target": record["object"],
                    "predicate": record["predicate"], "roles": "; ".join(record.get("roles") or []),
                    "modality": ",".join(record.get("modality") or []), "confidence": record.get("confidence"),
                    "sources": record.get("sources"), "date": record.get("time"),
                    "documents": "; ".join(record.get("documents") or [])})
                counts["edges"] += 1
                cite(record["id"], "relation", record)
            elif kind == "event":
                writers["events"].writerow({
                    "id": record["id"], "type": record["type"], "name": record.get("name"), "date": record.get("date"),
                    "place": record.get("place"),
                    "participants": "; ".join(p["entity"] + (f" ({p['role']})" if p.get("role") else "")
                                              for p in record["participants"]),
                    "organizers": "; ".join(record.get("organizers") or []),
                    "modality": ",".join(record.get("modality") or []), "confidence": record.get("confidence"),
                    "sources": record.get("sources"), "documents": "; ".join(record.get("documents") or [])})
                counts["events"] += 1
                cite(record["id"], "event", record)
    except OSError as exc:
        raise ExportError(f"cannot write into {folder}: {exc.strerror}") from exc
    finally:
        for fh in files.values():
            fh.close()
    return {"path": str(folder), **counts}
