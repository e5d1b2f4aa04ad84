"""GraphML and GEXF for Gephi: entities and events as nodes, ties and participations as edges.

Node attributes: ``label``, ``node_type`` (person / organization / location /
event), ``event_type``, ``date``, ``watchlisted``. Edge attributes:
``edge_type`` (a predicate, or participant / organizer / location),
``modality``, ``confidence``, ``sources``, ``date``, ``role``. Values are
plain strings and numbers (empty attributes are left out), as both formats
require.
"""
from __future__ import annotations

from typing import Iterable

import networkx as nx

from linkwatch.errors import ExportError


def _clean(attrs: dict) -> dict:
    return {k: v for k, v in attrs.items() if v is not None and v != ""}


def to_graph(records: Iterable[dict]) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph(name="linkwatch")
    names: dict[str, str] = {}
    for record in records:
        kind = record["kind"]
        if kind == "entity":
            names[record["id"]] = record["name"]
            graph.add_node(record["id"], **_clean({
                "label": record["name"], "node_type": record["type"],
                "aliases": "; ".join(record.get("aliases") or []), "watchlisted": bool(record.get("watchlisted")),
                "documents": int(record.get("documents") or 0), "sources": int(record.get("sources") or 0)}))
        elif kind == "relation":
            if record["subject"] not in graph or record["object"] not in graph:
                continue
            graph.add_edge(record["subject"], record["object"], key=record["id"], **_clean({
                "edge_type": record["predicate"], "modality": ",".join(record.get("modality") or []),
                "confidence": float(record.get("confidence") or 0.0), "sources": int(record.get("sources") or 0),
                "date": record.get("time"), "role": "; ".join(record.get("roles") or [])}))
        elif kind == "event":
            place = names.get(record.get("place"))
            label = f"{record['type']}{' ' + record['date'] if record.get('date') else ''}" \
                    f"{', ' + place if place else ''}"
            graph.add_node(record["id"], **_clean({
                "label": label, "node_type": "event", "event_type": record["type"], "name": record.get("name"),
                "date": record.get("date"), "sources": int(record.get("sources") or 0)}))
            common = {"modality": ",".join(record.get("modality") or []),
                      "confidence": float(record.get("confidence") or 0.0),
                      "sources": int(record.get("sources") or 0), "date": record.get("date")}
            for p in record["participants"]:
                if p["entity"] in graph:
                    graph.add_edge(p["entity"], record["id"], key=f"{record['id']}:participant:{p['entity']}",
                                   **_clean(dict(common, edge_type="participant", role=p.get("role"))))
            for o in record.get("organizers") or []:
                if o in graph:
                    graph.add_edge(o, record["id"], key=f"{record['id']}:organizer:{o}",
                                   **_clean(dict(common, edge_type="organizer")))
            if record.get("place") in graph:
                graph.add_edge(record["id"], record["place"], key=f"{record['id']}:location",
                               **_clean(dict(common, edge_type="location")))
    return graph


def write_graph(records: Iterable[dict], path, *, fmt: str) -> dict:
    graph = to_graph(records)
    try:
        if fmt == "graphml":
            nx.write_graphml(graph, path)
        elif fmt == "gexf":
            nx.write_gexf(graph, path)
        else:
            raise ExportError(f"unknown graph format {fmt!r}")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}") from exc
    return {"path": str(path), "nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}
