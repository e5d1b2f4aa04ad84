"""Bounded neighbourhood expansion from query entities, into a small networkx graph.

Each call to :meth:`Neighbourhood.expand` fetches, with indexed queries, the
ties of the nodes it is given (relations and co-presences), applies the
filters, and adds them to ``graph`` (an ``nx.Graph`` whose edges carry their
ties). Nothing else of the knowledge base is loaded; ``max_nodes`` caps how
far a query on a hub may spread (``truncated`` says when it did).
"""
from __future__ import annotations

import logging

import networkx as nx

from linkwatch.analysis.filters import Filters
from linkwatch.analysis.source import Tie, event_rows, keep_node, ties_around, ties_between

log = logging.getLogger(__name__)

MODALITY_RANK = {"asserted": 3, "reported": 2, "alleged": 1, "denied": 0}


def tie_strength(tie: Tie, events: dict[str, dict]) -> tuple:
    """Sort key, strongest first: independent sources, dated, modality, confidence."""
    date = events.get(tie.event, {}).get("date") if tie.event else None
    best = max((MODALITY_RANK.get(m, 0) for m in tie.modalities), default=0)
    return (-tie.sources, 0 if (date or tie.kind != "co_presence") else 1, -best, -tie.confidence)


class Neighbourhood:
    def __init__(self, conn, *, filters: Filters | None = None, max_nodes: int = 5000,
                 hub_threshold: int | None = 400, hub_rows: int = 500) -> None:
        self.conn = conn
        self.filters = filters or Filters()
        self.max_nodes = max_nodes
        self.graph = nx.Graph()
        self.types: dict[str, str] = {}
        self.sizes: dict[str, int] = {}  # kb id → documents reporting it
        self.hub_threshold = hub_threshold  # beyond the query's own entities, hubs are not expanded
        self.hub_rows = hub_rows  # a hub that is expanded reads its most confident claims only
        self.capped: list = []
        self.events: dict[str, dict] = {}
        self.expanded: set[str] = set()
        self.truncated = False

    def is_hub(self, node: str) -> bool:
        return self.hub_threshold is not None and self.sizes.get(node, 0) > self.hub_threshold

    def expand(self, nodes, *, force=()) -> set[str]:
        """Fetch the ties of ``nodes`` (hubs only if in ``force``); return their neighbours in the graph."""
        todo = sorted(n for n in nodes if n not in self.expanded)
        hubs = [n for n in todo if self.is_hub(n) and n not in force]
        if hubs:
            log.info("not expanding %d hub(s)", len(hubs))
            self.truncated = True
            todo = [n for n in todo if n not in set(hubs)]
        if len(self.expanded) + len(todo) > self.max_nodes:
            room = max(0, self.max_nodes - len(self.expanded))
            log.info("neighbourhood capped at %d nodes", self.max_nodes)
            self.truncated = True
            todo = todo[:room]
        nodes = set(nodes)
        self.expanded.update(todo)
        plain = [n for n in todo if not self.is_hub(n)]
        if plain:
            self._take(ties_around(self.conn, plain, types=self.types, sizes=self.sizes))
        for hub in (n for n in todo if self.is_hub(n)):
            self._take(ties_around(self.conn, [hub], types=self.types, sizes=self.sizes, limit=self.hub_rows,
                                   capped=self.capped))
        if self.capped:
            self.truncated = True
        for node in todo:
            if node not in self.graph and keep_node(self.types.get(node)):
                self.graph.add_node(node)
        return {nbr for node in nodes if node in self.graph for nbr in self.graph[node]}

    def meet(self, left, right, *, force=()) -> int:
        """Fetch only the ties between two sets of nodes (the middle hop of a path); hubs left out."""
        before = self.graph.number_of_edges()
        left = {n for n in left if n in force or not self.is_hub(n)}
        right = {n for n in right if n in force or not self.is_hub(n)}
        if not left or not right:
            return 0
        self._take(ties_between(self.conn, left, right, types=self.types, sizes=self.sizes))
        return self.graph.number_of_edges() - before

    def _take(self, ties: list[Tie]) -> None:
        new_events = {t.event for t in ties if t.event and t.event not in self.events}
        if new_events:
            self.events.update(event_rows(self.conn, new_events))
        for tie in ties:
            if not (keep_node(self.types.get(tie.a)) and keep_node(self.types.get(tie.b))):
                continue
            date = self.events.get(tie.event, {}).get("date") if tie.event else None
            kept = self.filters.apply(tie, date=date)
            if kept is None:
                continue
            self.add(kept)

    def add(self, tie: Tie) -> None:
        if self.graph.has_edge(tie.a, tie.b):
            data = self.graph.edges[tie.a, tie.b]
            if any(t.key == tie.key for t in data["ties"]):
                return
            data["ties"].append(tie)
        else:
            self.graph.add_edge(tie.a, tie.b, ties=[tie])

    def finish(self, edges=None) -> None:
        """Order each edge's ties strongest first and weigh the edge (call before reading paths)."""
        for u, v in (edges if edges is not None else self.graph.edges()):
            data = self.graph.edges[u, v]
            data["ties"].sort(key=lambda t: tie_strength(t, self.events))
            best = data["ties"][0]
            # cheaper to cross: more independent sources, higher confidence
            data["weight"] = 1.0 + 1.0 / (1 + best.sources) + (1.0 - best.confidence) * 0.5

    def ball(self, start, depth: int) -> set[str]:
        """Expand ``depth`` rings around ``start``; return every node reached."""
        seen = set(start)
        frontier = set(start)
        for _ in range(depth):
            frontier = self.expand(frontier) - seen
            seen |= frontier
            if not frontier:
                break
        return seen
