"""Who connects otherwise separate groups: betweenness over the co-presence graph.

Unlike the path queries, brokerage is a property of the whole graph, so this
reads every participation (and, unless ``co_presence_only``, every hop
relation) once, as (kb id, kb id) pairs joined in SQL, and lets networkx
compute betweenness (sampled with ``k`` pivots on large graphs).
"""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import networkx as nx
from sqlalchemy import select
from sqlalchemy.orm import aliased

from linkwatch.analysis.filters import Filters
from linkwatch.analysis.hops import entity_ref
from linkwatch.analysis.source import entity_rows
from linkwatch.analysis.views import CO_PRESENCE_ROLES, HOP_PREDICATES, NODE_TYPES
from linkwatch.store.schema import claims, clusters, kb_entities, kb_events

EXACT_LIMIT = 3000  # nodes; above this, betweenness is estimated from sampled pivots


def co_presence_graph(conn, *, filters: Filters | None = None, co_presence_only: bool = False) -> nx.Graph:
    filters = filters or Filters()
    subj, obj, ent = aliased(clusters), aliased(clusters), aliased(kb_entities)
    stmt = (select(subj.c.kb_id.label("event"), obj.c.kb_id.label("entity"), claims.c.modality,
                   claims.c.confidence, kb_events.c.time_value)
            .select_from(claims.join(subj, subj.c.item_id == claims.c.subject)
                         .join(obj, obj.c.item_id == claims.c.object)
                         .join(ent, ent.c.kb_id == obj.c.kb_id)
                         .outerjoin(kb_events, kb_events.c.kb_id == subj.c.kb_id))
            .where(claims.c.kind == "participation", claims.c.predicate.in_(CO_PRESENCE_ROLES),
                   ent.c.type.in_(NODE_TYPES)))
    present: dict[str, set[str]] = defaultdict(set)
    dates: dict[str, str | None] = {}
    for r in conn.execute(stmt):
        if not _keep(r, filters) or not filters.keep_date(r.time_value):
            continue
        present[r.event].add(r.entity)
        dates[r.event] = r.time_value
    graph = nx.Graph()
    for event, who in present.items():
        for a, b in combinations(sorted(who), 2):
            _link(graph, a, b, "co_presence", event, dates[event])
    if not co_presence_only:
        sub_ent, obj_ent = aliased(kb_entities), aliased(kb_entities)
        stmt = (select(subj.c.kb_id.label("a"), obj.c.kb_id.label("b"), claims.c.predicate, claims.c.modality,
                       claims.c.confidence)
                .select_from(claims.join(subj, subj.c.item_id == claims.c.subject)
                             .join(obj, obj.c.item_id == claims.c.object)
                             .join(sub_ent, sub_ent.c.kb_id == subj.c.kb_id)
                             .join(obj_ent, obj_ent.c.kb_id == obj.c.kb_id))
                .where(claims.c.kind == "relation", claims.c.predicate.in_(HOP_PREDICATES),
                       sub_ent.c.type.in_(NODE_TYPES), obj_ent.c.type.in_(NODE_TYPES)))
        for r in conn.execute(stmt):
            if r.a != r.b and _keep(r, filters):
                _link(graph, r.a, r.b, r.predicate, None, None)
    return graph


def _keep(row, filters: Filters) -> bool:
    modality = row.modality or "asserted"
    if filters.modalities and modality not in filters.modalities:
        return False
    if not filters.modalities and modality == "denied":
        return False
    return row.confidence is None or row.confidence >= filters.min_confidence


def _link(graph: nx.Graph, a: str, b: str, kind: str, event: str | None, date: str | None) -> None:
    if not graph.has_edge(a, b):
        graph.add_edge(a, b, kinds=set(), events={})
    data = graph.edges[a, b]
    data["kinds"].add(kind)
    if event:
        data["events"][event] = date


def brokers(conn, *, top: int = 10, filters: Filters | None = None, co_presence_only: bool = False,
            seed: int = 7) -> dict:
    graph = co_presence_graph(conn, filters=filters, co_presence_only=co_presence_only)
    n = graph.number_of_nodes()
    k = None if n <= EXACT_LIMIT else min(n, 500)
    scores = nx.betweenness_centrality(graph, k=k, normalized=True, seed=seed) if n else {}
    ranked = [node for node, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])) if score > 0][:top]
    entities = entity_rows(conn, {m for node in ranked for m in list(graph[node]) + [node]})
    out = []
    for node in ranked:
        rest = graph.subgraph(set(graph) - {node})
        neighbours = set(graph[node])
        groups = []
        for component in nx.connected_components(rest.subgraph(set(rest))):
            members = component & neighbours
            if not members:
                continue
            links = []
            for m in sorted(members, key=lambda x: entities.get(x, {}).get("name", x)):
                data = graph.edges[node, m]
                links.append({"to": entity_ref(entities, m), "kinds": sorted(data["kinds"]),
                              "events": [{"id": e, "date": d} for e, d in sorted(data["events"].items())]})
            groups.append({"size": len(component), "links": links})
        groups.sort(key=lambda g: -g["size"])
        out.append({"entity": entity_ref(entities, node), "betweenness": round(scores[node], 4),
                    "degree": graph.degree(node), "groups": groups})
    return {"nodes": n, "edges": graph.number_of_edges(), "sampled": k is not None, "brokers": out}
