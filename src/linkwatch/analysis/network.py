"""The ego network of an entity, at entity, organisation or person level.

``level="organization"`` projects people onto the organisations they belong
to: a co-presence of a member of X with Y becomes an X–Y link "via" that
member, which is how analysts read organisation networks.
"""
from __future__ import annotations

import heapq
from collections import defaultdict
from itertools import product

import networkx as nx

from linkwatch.analysis.filters import Filters
from linkwatch.analysis.hops import entity_ref
from linkwatch.analysis.lookup import find_entity
from linkwatch.analysis.neighbourhood import Neighbourhood, summarise
from linkwatch.analysis.source import entity_rows
from linkwatch.analysis.views import MEMBERSHIP_PREDICATES
from linkwatch.errors import LinkwatchError

LEVELS = ("all", "organization", "person")


def memberships(graph: nx.Graph, types: dict[str, str]) -> dict[str, set[str]]:
    """person → the organisations the graph says they belong to."""
    out: dict[str, set[str]] = defaultdict(set)
    for u, v, data in graph.edges(data=True):
        for tie in data["ties"]:
            if tie.kind in MEMBERSHIP_PREDICATES and types.get(tie.a) == "person" \
                    and types.get(tie.b) == "organization":
                out[tie.a].add(tie.b)
    return out


def project(graph: nx.Graph, types: dict[str, str], level: str, *, root: str | None = None) -> nx.Graph:
    """A graph of one entity type; edges carry ``ties`` and the intermediaries in ``via``."""
    if level == "all":
        return graph
    out = nx.Graph()
    out.add_nodes_from(n for n in graph if types.get(n) == level)
    if level == "person":
        out.add_nodes_from([root] if root else [])
        out.add_edges_from((u, v, dict(d, via=[])) for u, v, d in graph.edges(data=True)
                           if {types.get(u), types.get(v)} == {"person"} or root in (u, v)
                           and "person" in (types.get(u), types.get(v)))
        return out
    members = memberships(graph, types)

    def side(node: str) -> set[str]:
        return {node} if types.get(node) == "organization" else members.get(node, set())

    for u, v, data in graph.edges(data=True):
        for x, y in product(side(u), side(v)):
            if x == y:
                continue
            ties = [t for t in data["ties"] if t.kind not in MEMBERSHIP_PREDICATES or x in (u, v) and y in (u, v)]
            if not ties:
                continue
            if not out.has_edge(x, y):
                out.add_edge(x, y, ties=[], via=[])
            edge = out.edges[x, y]
            edge["ties"].extend(t for t in ties if t not in edge["ties"])
            for n in (u, v):
                if n not in (x, y) and n not in edge["via"]:
                    edge["via"].append(n)
    return out


def edge_record(u: str, v: str, shown: dict, via: list, entities: dict) -> dict:
    return {"source": entity_ref(entities, u), "target": entity_ref(entities, v),
            "kinds": shown["kinds"], "ties": shown["ties"], "sources": shown["sources"],
            "first": shown["first"], "last": shown["last"], "events": shown["events"],
            "via": sorted((entity_ref(entities, n) for n in via), key=lambda e: (e["name"], e["id"]))}


def network(conn, name: str, *, depth: int = 2, level: str = "all", filters: Filters | None = None,
            max_nodes: int = 150, complete: bool = True, hub_threshold: int | None = 400) -> dict:
    """Nodes within ``depth`` hops, at most ``max_nodes`` (the best-connected kept; ``omitted`` counts the rest)."""
    if level not in LEVELS:
        raise LinkwatchError(f"--level must be one of {', '.join(LEVELS)}")
    if not 1 <= depth <= 4:
        raise LinkwatchError("--depth must be between 1 and 4")
    center = find_entity(conn, name)
    root = center["id"]
    hood = Neighbourhood(conn, filters=filters, max_nodes=max_nodes * 20, hub_threshold=hub_threshold)
    hood.types[root] = center["type"]
    hood.sizes[root] = center["documents"]
    hood.graph.add_node(root)
    kept, frontier, truncated = {root}, {root}, 0
    for _ in range(depth):
        room = max_nodes - len(kept)
        if room <= 0:
            break
        found = hood.expand(frontier, force={root}) - kept
        if not found:
            break
        # keep the best-connected newcomers: most ties into the kept set, then most sources
        score = {}
        for n in found:
            into = [data for m, data in hood.graph[n].items() if m in kept]
            score[n] = (-sum(d["count"] for d in into), -max((d["reach"] for d in into), default=0), n)
        truncated += max(0, len(found) - room)
        frontier = set(heapq.nsmallest(room, found, key=score.__getitem__))
        kept |= frontier
    if complete and len(kept) > 1:  # ties among the outer ring too, so the picture is not a star
        outer = kept - hood.expanded
        if len(outer) > 1:  # their ties to inner nodes are known already; only outer–outer is missing
            hood.meet(outer, outer)
    hood.finish()
    ego = hood.graph.subgraph(kept)
    if level == "organization":
        people = [n for n in ego if hood.types.get(n) == "person"]
        hood.expand(people)  # their ties, projected onto their organisations (hubs aside)
        hood.finish()
        ego = hood.graph.subgraph(set(ego) | {o for p in people for o in hood.graph[p]
                                              if hood.types.get(o) == "organization"})
        hood.truncated = hood.truncated or bool(truncated)
    if level != "all":
        hood.load(ego.edges())  # projections read the ties (pre-counted links carry counts only)
    view = project(ego, hood.types, level, root=root)
    if root not in view:
        view.add_node(root)
    distance = nx.single_source_shortest_path_length(view, root, cutoff=depth if level == "all" else None)
    keep = set(distance)
    view = view.subgraph(keep)
    entities = entity_rows(conn, keep | {n for _, _, d in view.edges(data=True) for n in d.get("via", [])})
    entities.setdefault(root, center)
    def rank(n: str) -> tuple:
        return (distance[n], entities.get(n, {}).get("name", n), n)

    nodes = [dict(entity_ref(entities, n), distance=distance[n], degree=view.degree(n)) for n in sorted(keep, key=rank)]
    # each edge from its end nearer the centre, so the answer does not depend on how the graph was read
    shown = hood.details(view.edges()) if level == "all" else {(u, v): summarise(d["ties"])
                                                                for u, v, d in view.edges(data=True)}
    edges = [edge_record(*sorted((u, v), key=rank), shown[(u, v)], d.get("via", []), entities)
             for u, v, d in view.edges(data=True)]
    edges.sort(key=lambda e: (e["source"]["name"], e["target"]["name"], e["source"]["id"], e["target"]["id"]))
    return {"center": entity_ref(entities, root), "depth": depth, "level": level, "nodes": nodes,
            "edges": edges, "truncated": bool(truncated) or hood.truncated, "omitted": truncated}
