"""How is A linked to B: direct ties and the shortest evidence paths between them.

Bidirectional, bounded expansion: the side with the smaller frontier grows one
ring at a time until the two rings together span ``hops``; every edge of
every path of at most ``hops`` hops then lies in the fetched subgraph, and
networkx enumerates the paths (``shortest_simple_paths``, weighted so that
better-sourced ties come first among paths of equal length).
"""
from __future__ import annotations

import logging
from itertools import islice

import networkx as nx

from linkwatch.analysis.filters import Filters
from linkwatch.analysis.hops import HopWriter, entity_ref
from linkwatch.analysis.lookup import find_entity
from linkwatch.analysis.neighbourhood import Neighbourhood
from linkwatch.errors import LinkwatchError

log = logging.getLogger(__name__)


def links(conn, source: str, target: str, *, hops: int = 3, filters: Filters | None = None,
          limit: int = 10, max_nodes: int = 5000) -> dict:
    """Direct ties and up to ``limit`` paths of at most ``hops`` hops between two entities."""
    if not 1 <= hops <= 6:
        raise LinkwatchError("--hops must be between 1 and 6")
    a = find_entity(conn, source)
    b = find_entity(conn, target)
    if a["id"] == b["id"]:
        raise LinkwatchError(f"{source!r} and {target!r} are the same entity ({a['id']})")
    hood = Neighbourhood(conn, filters=filters, max_nodes=max_nodes)
    sides = {a["id"]: {"seen": {a["id"]}, "frontier": {a["id"]}, "depth": 0},
             b["id"]: {"seen": {b["id"]}, "frontier": {b["id"]}, "depth": 0}}
    while sum(s["depth"] for s in sides.values()) < hops:
        live = [s for s in sides.values() if s["frontier"]]
        if not live:
            break
        side = min(live, key=lambda s: len(s["frontier"]))
        side["frontier"] = hood.expand(side["frontier"]) - side["seen"]
        side["seen"] |= side["frontier"]
        side["depth"] += 1
        if any(not s["frontier"] for s in sides.values()) and not (sides[a["id"]]["seen"] & sides[b["id"]]["seen"]):
            break  # one side is exhausted and the two never met: no path
    graph = hood.graph

    paths: list[list[str]] = []
    if a["id"] in graph and b["id"] in graph and nx.has_path(graph, a["id"], b["id"]):
        for path in islice(nx.shortest_simple_paths(graph, a["id"], b["id"], weight="weight"), limit * 5):
            if len(path) - 1 <= hops:
                paths.append(path)
        paths.sort(key=lambda p: (len(p), nx.path_weight(graph, p, "weight")))
        paths = paths[:limit]

    ties = [t for p in paths for u, v in zip(p, p[1:]) for t in graph.edges[u, v]["ties"]]
    writer = HopWriter(conn, ties, entities={a["id"]: a, b["id"]: b}, events=hood.events)
    direct = []
    if graph.has_edge(a["id"], b["id"]):
        direct = [writer.hop(t, start=a["id"]) for t in graph.edges[a["id"], b["id"]]["ties"]]
    out_paths = []
    for path in paths:
        steps = []
        for u, v in zip(path, path[1:]):
            steps.append({"from": entity_ref(writer.entities, u), "to": entity_ref(writer.entities, v),
                          "ties": [writer.hop(t, start=u) for t in graph.edges[u, v]["ties"]]})
        out_paths.append({"hops": len(path) - 1, "entities": [entity_ref(writer.entities, n) for n in path],
                          "steps": steps})
    return {"from": entity_ref(writer.entities, a["id"]), "to": entity_ref(writer.entities, b["id"]),
            "max_hops": hops, "direct": direct, "paths": out_paths, "truncated": hood.truncated,
            "subgraph": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}}
