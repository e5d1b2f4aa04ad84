"""A one-page analyst brief on an entity: profile, memberships, timeline, network, key evidence.

``brief`` gathers the record (a dict, the JSON twin); ``render_markdown`` and
``render_html`` lay it out. The HTML is self-contained: inline CSS and SVG
(timeline chart and network picture), no scripts, no external resources.
"""
from __future__ import annotations

import datetime as dt
import html
import math
from urllib.parse import quote

import networkx as nx

from linkwatch.analysis.dates import period
from linkwatch.analysis.filters import Filters
from linkwatch.analysis.hops import HopWriter
from linkwatch.analysis.lookup import find_entity
from linkwatch.analysis.network import network
from linkwatch.analysis.source import Tie, _claim, items_of, kb_of, relation_rows
from linkwatch.analysis.timeline import timeline
from linkwatch.analysis.views import HOP_PREDICATES

PROFILE_PREDICATES = HOP_PREDICATES + ("designated_by",)


def _relations(conn, entity: dict, filters: Filters) -> list[dict]:
    mine = items_of(conn, [entity["id"]])
    rows = relation_rows(conn, mine, predicates=PROFILE_PREDICATES) if mine else []
    kb = dict(mine)
    kb.update(kb_of(conn, {r.subject for r in rows} | {r.object for r in rows}))
    ties: dict[tuple, Tie] = {}
    for r in rows:
        a, b = kb[r.subject], kb[r.object]
        tie = ties.setdefault((r.predicate, a, b), Tie(a=a, b=b, kind=r.predicate))
        tie.claims.append(_claim(r))
    kept = [t for t in (filters.apply(t) for t in ties.values()) if t is not None]
    writer = HopWriter(conn, kept, entities={entity["id"]: entity})
    out = [writer.hop(t, start=entity["id"]) for t in kept]
    out.sort(key=lambda h: (h["kind"] != "member_of", -h["sources"], h["to"]["name"]))
    return out


def brief(conn, name: str, *, filters: Filters | None = None) -> dict:
    filters = filters or Filters()
    entity = find_entity(conn, name)
    relations = _relations(conn, entity, filters)
    line = timeline(conn, entity["id"], filters=filters)
    net = network(conn, entity["id"], depth=1, filters=filters)
    key = sorted([h for h in relations] + [
        {"kind": "event", "date": e["date"], "place": e["place"], "type": e["type"], "sources": e["sources"],
         "evidence": e["evidence"]} for e in line["events"] + line["undated"]],
        key=lambda h: -h["sources"])[:8]
    return {"entity": entity, "relations": relations, "timeline": line, "network": net,
            "key_evidence": [{"what": _what(h), "sources": h["sources"], "evidence": h["evidence"][:2]}
                             for h in key],
            "generated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def _what(hop: dict) -> str:
    if hop["kind"] == "event":
        return f"{hop['type'] or 'event'} {hop['date'] or 'undated'}{', ' + hop['place'] if hop['place'] else ''}"
    subject, obj = (hop["from"], hop["to"]) if hop["subject"] == hop["from"]["id"] else (hop["to"], hop["from"])
    role = f" ({hop['role']})" if hop.get("role") else ""
    return f"{subject['name']} {hop['kind']} {obj['name']}{role} [{'/'.join(hop['modality'])}]"


def _cite(q: dict) -> str:
    bits = [q.get("outlet"), q.get("published"), q.get("document")]
    return ", ".join(b for b in bits if b)


# --- markdown ---------------------------------------------------------------------------------

def render_markdown(data: dict) -> str:
    e = data["entity"]
    lines = [f"# {e['name']}", "", f"*{e['type']}* · id `{e['id']}` · {e['documents']} documents, "
             f"{e['sources']} independent sources" + (" · **watchlisted**" if e.get("watchlisted") else "")]
    if e.get("aliases"):
        lines.append(f"\nAlso known as: {', '.join(e['aliases'])}")
    lines += ["", "## Memberships and ties", ""]
    for h in data["relations"] or []:
        lines.append(f"- {_what(h)} — {h['sources']} source(s)")
    if not data["relations"]:
        lines.append("- none recorded")
    lines += ["", "## Timeline", ""]
    for ev in data["timeline"]["events"] + data["timeline"]["undated"]:
        others = ", ".join(w["name"] for w in ev["with"])
        lines.append(f"- **{ev['date'] or 'undated'}** {ev['type'] or 'event'}"
                     f"{' “' + ev['name'] + '”' if ev.get('name') else ''}"
                     f"{' in ' + ev['place'] if ev.get('place') else ''}{' with ' + others if others else ''}")
    lines += ["", "## Network (one hop)", ""]
    for edge in data["network"]["edges"]:
        lines.append(f"- {edge['source']['name']} — {edge['target']['name']}: {', '.join(edge['kinds'])}")
    lines += ["", "## Key evidence", ""]
    for i, k in enumerate(data["key_evidence"], 1):
        lines.append(f"{i}. {k['what']} ({k['sources']} source(s))")
        for q in k["evidence"]:
            lines.append(f"   > {' '.join((q.get('quote') or '').split())}  \n   — {_cite(q)}")
    lines += ["", f"_Generated {data['generated']} by linkwatch._", ""]
    return "\n".join(lines)


# --- html -------------------------------------------------------------------------------------

def _timeline_svg(events: list[dict], *, width: int = 760) -> str:
    dated = [(period(e["date"])[0], e) for e in events if period(e["date"])]
    if not dated:
        return "<p class='muted'>No dated events.</p>"
    days = [dt.date.fromisoformat(d) for d, _ in dated]
    lo, hi = min(days), max(days)
    span = max((hi - lo).days, 1)
    rows = []
    height = 40 + 22 * len(dated)
    rows.append(f"<line x1='20' y1='20' x2='{width - 20}' y2='20' class='axis'/>")
    rows.append(f"<text x='20' y='14' class='tick'>{lo.isoformat()}</text>")
    rows.append(f"<text x='{width - 20}' y='14' class='tick' text-anchor='end'>{hi.isoformat()}</text>")
    for i, ((d, e), day) in enumerate(zip(dated, days)):
        x = 20 + (width - 40) * (day - lo).days / span
        y = 40 + 22 * i
        label = html.escape(f"{e['date']} {e['type'] or 'event'}{' — ' + e['place'] if e.get('place') else ''}")
        anchor = "end" if x > width * 0.6 else "start"
        dx = -8 if anchor == "end" else 8
        rows.append(f"<line x1='{x:.1f}' y1='20' x2='{x:.1f}' y2='{y}' class='stem'/>"
                    f"<circle cx='{x:.1f}' cy='{y}' r='5' class='dot'/>"
                    f"<text x='{x + dx:.1f}' y='{y + 4}' text-anchor='{anchor}'>{label}</text>")
    return f"<svg viewBox='0 0 {width} {height}' width='100%' role='img' aria-label='timeline'>{''.join(rows)}</svg>"


def network_svg(net: dict, *, width: int = 760, height: int = 420) -> str:
    graph = nx.Graph()
    graph.add_nodes_from(n["id"] for n in net["nodes"])
    graph.add_edges_from((e["source"]["id"], e["target"]["id"]) for e in net["edges"])
    if not graph:
        return "<p class='muted'>No network.</p>"
    pos = nx.spring_layout(graph, seed=3) if len(graph) > 1 else {next(iter(graph)): (0.0, 0.0)}
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]

    def place(node):
        x, y = pos[node]
        sx = 60 + (width - 120) * ((x - min(xs)) / ((max(xs) - min(xs)) or 1))
        sy = 30 + (height - 60) * ((y - min(ys)) / ((max(ys) - min(ys)) or 1))
        return sx, sy

    out = []
    for e in net["edges"]:
        (x1, y1), (x2, y2) = place(e["source"]["id"]), place(e["target"]["id"])
        kind = "copresence" if e["kinds"] == ["co_presence"] else "relation"
        out.append(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' class='edge {kind}'>"
                   f"<title>{html.escape(', '.join(e['kinds']))}</title></line>")
    for n in net["nodes"]:
        x, y = place(n["id"])
        r = 9 if n["distance"] == 0 else 6 + min(4, math.log1p(n["degree"]))
        out.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r:.1f}' class='node {html.escape(n['type'] or '')}'/>"
                   f"<text x='{x:.1f}' y='{y - r - 3:.1f}' text-anchor='middle'>{html.escape(n['name'])}</text>")
    return f"<svg viewBox='0 0 {width} {height}' width='100%' role='img' aria-label='network'>{''.join(out)}</svg>"


CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;max-width:820px;margin:24px auto;color:#1d2330}
h1{margin:0 0 4px;font-size:24px} h2{font-size:16px;border-bottom:1px solid #d6dae3;padding-bottom:3px;margin-top:22px}
.muted{color:#667} .badge{background:#b3261e;color:#fff;border-radius:3px;padding:1px 6px;font-size:12px}
blockquote{margin:4px 0 2px 14px;padding-left:8px;border-left:3px solid #c8cdd8;color:#333}
cite{display:block;font-size:12px;color:#667;margin-left:24px}
svg text{font-size:11px;fill:#1d2330} .axis{stroke:#889;stroke-width:1.5} .stem{stroke:#ccd;stroke-dasharray:2 2}
.dot{fill:#2f5fb3} .edge{stroke:#9aa3b5;stroke-width:1.4} .edge.relation{stroke:#b3261e}
.node{stroke:#fff;stroke-width:1.5} .node.person{fill:#2f5fb3} .node.organization{fill:#d98b1c} .node.location{fill:#4a9b5a}
table{border-collapse:collapse;width:100%} td,th{text-align:left;padding:3px 6px;border-bottom:1px solid #eceff4;vertical-align:top}
@media print{body{margin:0}}
"""


def render_html(data: dict, *, twin: str | None = None) -> str:
    """The brief as a standalone page; ``twin`` is its JSON alternate (``/api/brief/{name}`` when served)."""
    esc = html.escape
    e = data["entity"]
    twin = twin or f"/api/brief/{quote(e['id'])}"
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Brief: {esc(e['name'])}</title>"
             f'<link rel="alternate" type="application/json" href="{esc(twin)}">'
             f"<style>{CSS}</style></head><body>",
             f"<p class='muted'><a href=\"{esc(twin)}\">JSON</a></p>",
             f"<h1>{esc(e['name'])} {'<span class=badge>watchlisted</span>' if e.get('watchlisted') else ''}</h1>",
             f"<div class='muted'>{esc(e['type'] or '')} · id <code>{esc(e['id'])}</code> · {e['documents']} "
             f"documents, {e['sources']} independent sources"
             + (f" · also known as {esc(', '.join(e['aliases']))}" if e.get("aliases") else "") + "</div>",
             "<h2>Memberships and ties</h2>"]
    if data["relations"]:
        parts.append("<table><tr><th>Tie</th><th>Modality</th><th>Sources</th></tr>")
        for h in data["relations"]:
            parts.append(f"<tr><td>{esc(_what(h))}</td><td>{esc('/'.join(h['modality']))}</td>"
                         f"<td>{h['sources']}</td></tr>")
        parts.append("</table>")
    else:
        parts.append("<p class='muted'>None recorded.</p>")
    parts.append("<h2>Timeline</h2>")
    parts.append(_timeline_svg(data["timeline"]["events"]))
    if data["timeline"]["undated"]:
        parts.append("<p class='muted'>Undated: " + esc("; ".join(
            f"{ev['type'] or 'event'}{' in ' + ev['place'] if ev.get('place') else ''}"
            f"{' with ' + ', '.join(w['name'] for w in ev['with']) if ev['with'] else ''}"
            for ev in data["timeline"]["undated"])) + "</p>")
    parts.append("<h2>Network (one hop)</h2>")
    parts.append(network_svg(data["network"]))
    parts.append("<h2>Key evidence</h2><ol>")
    for k in data["key_evidence"]:
        parts.append(f"<li>{esc(k['what'])} <span class='muted'>({k['sources']} source(s))</span>")
        for q in k["evidence"]:
            link = f"<a href='{esc(q['url'])}'>{esc(_cite(q))}</a>" if q.get("url") else esc(_cite(q))
            parts.append(f"<blockquote>{esc(' '.join((q.get('quote') or '').split()))}</blockquote><cite>{link}</cite>")
        parts.append("</li>")
    parts.append(f"</ol><p class='muted'>Generated {esc(data['generated'])} by linkwatch.</p></body></html>")
    return "".join(parts)
