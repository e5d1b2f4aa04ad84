"""Bounded neighbourhood expansion from query entities, into a small networkx graph.

Each call to :meth:`Neighbourhood.expand` fetches, with indexed queries, the
links of the nodes it is given and adds them to ``graph`` (an ``nx.Graph``
whose edges carry ``count`` ties, their best ``reach`` in independent sources
and a path ``weight``). With the store's aggregates (``analysis.aggregate``)
a link is one pre-counted row and its ties are read only for the edges an
answer shows (:meth:`Neighbourhood.ties`); otherwise (filters the aggregates
cannot answer, or a store without them) the ties are built from claims and
filtered here. Nothing else of the knowledge base is loaded; ``max_nodes``
caps how far a query on a hub may spread (``truncated`` says when it did).
"""
from __future__ import annotations

import logging

import networkx as nx

from linkwatch.analysis import aggregate
from linkwatch.analysis.filters import Filters
from linkwatch.analysis.source import Tie, _describe, event_rows, keep_node, ties_around, ties_between
from linkwatch.store.edges import date_key, strength

log = logging.getLogger(__name__)


def tie_strength(tie: Tie) -> tuple:
    """Sort key, strongest first: independent sources, dated, modality, confidence (then the tie's key)."""
    return strength(tie.sources, tie.date, tie.kind, tie.modalities, tie.confidence) + tie.key


def summarise(ties: list[Tie]) -> dict:
    """What an edge shows: its kinds, tie count, best sources, first and last event dates, events."""
    dates = sorted({t.date for t in ties if t.event} - {None}, key=date_key)
    return {"kinds": sorted({t.kind for t in ties}), "ties": len(ties),
            "sources": max((t.sources for t in ties), default=0),
            "first": dates[0] if dates else None, "last": dates[-1] if dates else None,
            "events": sorted({t.event for t in ties if t.event})}


def weight(sources: int, confidence: float) -> float:
    """The cost of crossing an edge whose strongest tie has these counts: better sourced is cheaper."""
    return 1.0 + 1.0 / (1 + sources) + (1.0 - confidence) * 0.5


class Neighbourhood:
    def __init__(self, conn, *, filters: Filters | None = None, max_nodes: int = 5000,
                 hub_threshold: int | None = 400, hub_rows: int = 500, hub_links: int = 2000,
                 use_aggregate: bool | None = None) -> None:
        self.conn = conn
        self.filters = filters or Filters()
        # pre-counted links when the store has them and the filters allow (None: decide here)
        self.aggregate = aggregate.usable(conn, self.filters) if use_aggregate is None else use_aggregate
        self.max_nodes = max_nodes
        self.graph = nx.Graph()
        self.types: dict[str, str] = {}
        self.sizes: dict[str, int] = {}  # kb id → documents reporting it
        self.hub_threshold = hub_threshold  # beyond the query's own entities, hubs are not expanded
        self.hub_rows = hub_rows  # a hub that is expanded reads its most confident claims only ...
        self.hub_links = hub_links  # ... or, from the aggregates, its strongest links
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
        if self.aggregate:
            self._expand_counted(todo)
        else:
            self._expand_claims(todo)
        for node in todo:
            if node not in self.graph and keep_node(self.types.get(node)):
                self.graph.add_node(node)
        return {nbr for node in nodes if node in self.graph for nbr in self.graph[node]}

    def _expand_counted(self, todo: list[str]) -> None:
        """One pre-counted row per neighbour; a forced hub reads its ``hub_links`` strongest links."""
        unknown = set(todo) - self.types.keys()
        if unknown:
            _describe(self.conn, unknown, self.types, self.sizes)
        self._link(aggregate.links_of(self.conn, [n for n in todo if not self.is_hub(n)]))
        for hub in (n for n in todo if self.is_hub(n)):
            rows = aggregate.strongest_links_of(self.conn, hub, self.hub_links)
            if len(rows) >= self.hub_links:
                self.capped.append([hub])
                self.truncated = True
            self._link(rows)

    def _expand_claims(self, todo: list[str]) -> None:
        """Ties built from claims; a forced hub reads its ``hub_rows`` most confident claims."""
        plain = [n for n in todo if not self.is_hub(n)]
        if plain:
            self._take(ties_around(self.conn, plain, types=self.types, sizes=self.sizes))
        for hub in (n for n in todo if self.is_hub(n)):
            self._take(ties_around(self.conn, [hub], types=self.types, sizes=self.sizes, limit=self.hub_rows,
                                   capped=self.capped))
        if self.capped:
            self.truncated = True

    def meet(self, left, right, *, force=()) -> int:
        """Fetch only the ties between two sets of nodes (the middle hop of a path); hubs left out."""
        before = self.graph.number_of_edges()
        left = {n for n in left if n in force or not self.is_hub(n)}
        right = {n for n in right if n in force or not self.is_hub(n)}
        if not left or not right:
            return 0
        if self.aggregate:
            self._link(aggregate.links_between(self.conn, left, right))
        else:
            self._take(ties_between(self.conn, left, right, types=self.types, sizes=self.sizes))
        return self.graph.number_of_edges() - before

    def _link(self, rows) -> None:
        """Add pre-counted links (``kb_links`` rows: people and organisations only, denials aside)."""
        for r in rows:
            self.types[r.other] = r.other_type
            self.sizes[r.other] = r.other_documents or 0
            if not self.graph.has_edge(r.node, r.other):
                self.graph.add_edge(r.node, r.other, count=r.ties, reach=r.claim_sources,
                                    weight=weight(r.best_sources, r.best_confidence))

    def _take(self, ties: list[Tie]) -> None:
        new_events = {t.event for t in ties if t.event and t.event not in self.events}
        if new_events:
            self.events.update(event_rows(self.conn, new_events))
        for tie in ties:
            if not (keep_node(self.types.get(tie.a)) and keep_node(self.types.get(tie.b))):
                continue
            tie.date = self.events.get(tie.event, {}).get("date") if tie.event else None
            kept = self.filters.apply(tie, date=tie.date)
            if kept is None:
                continue
            self.add(kept)

    def add(self, tie: Tie) -> None:
        if self.graph.has_edge(tie.a, tie.b):
            data = self.graph.edges[tie.a, tie.b]
            if any(t.key == tie.key for t in data["ties"]):
                return
            data["ties"].append(tie)
            data["count"] += 1
            data["reach"] = max(data["reach"], tie.reach)
        else:
            self.graph.add_edge(tie.a, tie.b, ties=[tie], count=1, reach=tie.reach)

    def ties(self, u: str, v: str) -> list[Tie]:
        """The ties of one edge, strongest first (read from the aggregate on first use)."""
        self.load([(u, v)])
        return self.graph.edges[u, v]["ties"]

    def load(self, edges) -> None:
        """Make sure the given edges carry their ties, strongest first."""
        missing = [(u, v) for u, v in edges if "ties" not in self.graph.edges[u, v]]
        if not missing:
            return
        found = aggregate.pair_ties(self.conn, missing)
        for u, v in missing:
            ties = sorted(found.get(tuple(sorted((u, v))), []), key=tie_strength)
            self.graph.edges[u, v]["ties"] = ties

    def details(self, edges) -> dict[tuple[str, str], dict]:
        """(u, v) → what each edge shows (kinds, ties, sources, first, last, events), read once."""
        out, missing = {}, []
        for u, v in edges:
            data = self.graph.edges[u, v]
            if "ties" in data:
                out[(u, v)] = summarise(data["ties"])
            else:
                missing.append((u, v))
        if missing:
            found = aggregate.link_details(self.conn, missing)
            for u, v in missing:
                out[(u, v)] = found[tuple(sorted((u, v)))]
        return out

    def with_claims(self, ties) -> None:
        """Read the claims behind ties the answer quotes (aggregate ties carry counts only)."""
        if self.aggregate:
            aggregate.with_claims(self.conn, ties)

    def finish(self, edges=None) -> None:
        """Order each edge's ties strongest first and weigh the edge (call before reading paths)."""
        if self.aggregate:
            return  # weighed when read; ties are ordered when loaded
        for u, v in (edges if edges is not None else self.graph.edges()):
            data = self.graph.edges[u, v]
            data["ties"].sort(key=tie_strength)
            best = data["ties"][0]
            # cheaper to cross: more independent sources, higher confidence
            data["weight"] = weight(best.sources, best.confidence)

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
