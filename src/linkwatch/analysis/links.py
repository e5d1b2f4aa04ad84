"""How is A linked to B: direct ties and the shortest evidence paths between them.

Bidirectional, bounded expansion: the side with the smaller frontier grows one
ring at a time until the two rings together span ``hops``; every edge of
every path of at most ``hops`` hops then lies in the fetched subgraph, and
networkx enumerates the paths (``shortest_simple_paths``, weighted so that
better-sourced ties come first among paths of equal length).
"""
from __future__ import annotations

import heapq
import logging

import networkx as nx

from linkwatch.analysis.filters import Filters
from linkwatch.analysis.hops import HopWriter, entity_ref
from linkwatch.analysis.lookup import find_entity
from linkwatch.analysis.neighbourhood import Neighbourhood
from linkwatch.errors import LinkwatchError

log = logging.getLogger(__name__)


def _paths(hood: Neighbourhood, a: str, b: str, hops: int, limit: int, *, per_length: int = 20000) -> list[list[str]]:
    """Up to ``limit`` simple paths of at most ``hops`` hops: fewest hops first, then best-sourced.

    Paths are enumerated length by length with a depth-first search pruned by
    the distance to ``b`` (networkx BFS), so only paths that can still reach
    ``b`` in time are followed; longer lengths are visited only while fewer
    than ``limit`` shorter paths exist.
    """
    graph = hood.graph
    if a not in graph or b not in graph:
        return []
    to_b = nx.single_source_shortest_path_length(graph, b, cutoff=hops)
    if a not in to_b:
        return []
    hood.finish()
    found: list[list[str]] = []
    for length in range(to_b[a], hops + 1):
        batch: list[tuple[float, list[str]]] = []
        stack = [(a, [a], 0.0)]
        while stack and len(batch) < per_length:
            node, path, weight = stack.pop()
            steps_left = length - (len(path) - 1)
            if node == b:
                if steps_left == 0:
                    batch.append((weight, path))
                continue
            for nbr, data in graph[node].items():
                if nbr in path or to_b.get(nbr, hops + 1) > steps_left - 1:
                    continue
                stack.append((nbr, path + [nbr], weight + data["weight"]))
        found.extend(p for _, p in heapq.nsmallest(limit - len(found), batch, key=lambda wp: (wp[0], wp[1])))
        if len(found) >= limit:
            break
    return found[:limit]


def _strongest(hood: Neighbourhood, found: set[str], seen: set[str], cap: int) -> set[str]:
    """The ``cap`` best-supported newcomers (most independent sources on their ties into ``seen``)."""
    if len(found) <= cap:
        return found
    hood.truncated = True

    score: dict[str, tuple] = {}
    for node in found:
        best, count = 0, 0
        for m, data in hood.graph[node].items():
            if m in seen:
                count += data["count"]
                best = max(best, data["reach"])
        score[node] = (-best, -count, node)
    return set(heapq.nsmallest(cap, found, key=score.__getitem__))


def links(conn, source: str, target: str, *, hops: int = 3, filters: Filters | None = None,
          limit: int = 10, max_nodes: int = 5000, ties_per_step: int = 10, frontier_cap: int = 300,
          hub_threshold: int | None = 400) -> dict:
    """Direct ties and up to ``limit`` paths of at most ``hops`` hops between two entities."""
    if not 1 <= hops <= 6:
        raise LinkwatchError("--hops must be between 1 and 6")
    a = find_entity(conn, source)
    b = find_entity(conn, target)
    if a["id"] == b["id"]:
        raise LinkwatchError(f"{source!r} and {target!r} are the same entity ({a['id']})")
    hood = Neighbourhood(conn, filters=filters, max_nodes=max_nodes, hub_threshold=hub_threshold)
    ends = {a["id"], b["id"]}
    hood.sizes.update({a["id"]: a["documents"], b["id"]: b["documents"]})
    sides = [{"seen": {a["id"]}, "frontier": {a["id"]}, "depth": 0},
             {"seen": {b["id"]}, "frontier": {b["id"]}, "depth": 0}]
    # grow the smaller frontier until the two balls span hops - 1; the last hop is a "meet"
    # query between the two frontiers, which never fans out to the rest of the graph
    while sides[0]["depth"] + sides[1]["depth"] < hops - 1:
        live = [s for s in sides if s["frontier"]]
        if len(live) < 2:
            break  # one side is exhausted: every path it has is already in the graph
        side = min(live, key=lambda s: len(s["frontier"]))
        found = hood.expand(side["frontier"], force=ends) - side["seen"]
        side["frontier"] = _strongest(hood, found, side["seen"], frontier_cap)
        side["seen"] |= side["frontier"]
        side["depth"] += 1
        if len(_paths(hood, a["id"], b["id"], sides[0]["depth"] + sides[1]["depth"], limit)) >= limit:
            break  # enough paths already, all shorter than any the last hop could add
    else:
        if sides[0]["frontier"] and sides[1]["frontier"]:
            hood.meet(sides[0]["frontier"], sides[1]["frontier"], force=ends)
    paths = _paths(hood, a["id"], b["id"], hops, limit)
    graph = hood.graph
    direct_edge = graph.has_edge(a["id"], b["id"])
    hood.load({(u, v) for p in paths for u, v in zip(p, p[1:])} | ({(a["id"], b["id"])} if direct_edge else set()))

    def shown(u, v):
        return hood.ties(u, v)[:ties_per_step]

    ties = [t for p in paths for u, v in zip(p, p[1:]) for t in shown(u, v)]
    if direct_edge:
        ties += shown(a["id"], b["id"])
    hood.with_claims(ties)
    writer = HopWriter(conn, ties, entities={a["id"]: a, b["id"]: b}, events=hood.events)
    direct = []
    if direct_edge:
        direct = [writer.hop(t, start=a["id"]) for t in shown(a["id"], b["id"])]
    out_paths = []
    for path in paths:
        steps = []
        for u, v in zip(path, path[1:]):
            steps.append({"from": entity_ref(writer.entities, u), "to": entity_ref(writer.entities, v),
                          "ties": [writer.hop(t, start=u) for t in shown(u, v)],
                          "ties_total": graph.edges[u, v]["count"]})
        out_paths.append({"hops": len(path) - 1, "entities": [entity_ref(writer.entities, n) for n in path],
                          "steps": steps})
    return {"from": entity_ref(writer.entities, a["id"]), "to": entity_ref(writer.entities, b["id"]),
            "max_hops": hops, "direct": direct,
            "direct_total": graph.edges[a["id"], b["id"]]["count"] if direct_edge else 0, "paths": out_paths,
            "truncated": hood.truncated,
            "subgraph": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()}}
