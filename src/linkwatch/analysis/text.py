"""Readable plain-text renderings of the analysis records (the CLI's default output)."""
from __future__ import annotations

import textwrap


def _cite(q: dict) -> str:
    where = ", ".join(x for x in (q.get("outlet"), q.get("published"), q.get("document")) if x)
    quote = " ".join((q.get("quote") or "").split())
    return f"“{quote}” — {where}" if quote else f"— {where}"


def hop_line(hop: dict) -> str:
    frm, to = hop["from"]["name"], hop["to"]["name"]
    facts = f"[{'/'.join(hop['modality'])}, {hop['sources']} source{'s' if hop['sources'] != 1 else ''}, " \
            f"confidence {hop['confidence']:.2f}]"
    if hop["kind"] == "co_presence":
        ev = hop["event"] or {}
        what = ev.get("name") or ev.get("type") or "event"
        when = hop.get("date") or "undated"
        where = f", {hop['place']}" if hop.get("place") else ""
        return f"{frm} and {to} together at {what} ({when}{where}) {facts}"
    subject, obj = (frm, to) if hop["subject"] == hop["from"]["id"] else (to, frm)
    role = f" ({hop['role']})" if hop.get("role") else ""
    return f"{subject} {hop['kind']} {obj}{role} {facts}"


def _evidence(hop: dict, indent: str, limit: int = 2) -> list[str]:
    lines = []
    for q in hop["evidence"][:limit]:
        lines.extend(textwrap.wrap(_cite(q), 100, initial_indent=indent, subsequent_indent=indent + "  "))
    return lines


def render_links(result: dict) -> str:
    a, b = result["from"]["name"], result["to"]["name"]
    lines = [f"{a} ↔ {b} (paths up to {result['max_hops']} hops)"]
    if result["direct"]:
        lines.append("Direct ties:")
        for hop in result["direct"]:
            lines.append("  - " + hop_line(hop))
            lines.extend(_evidence(hop, "      "))
    else:
        lines.append("Direct ties: none")
    if not result["paths"]:
        lines.append("No path found.")
    for i, path in enumerate(result["paths"], 1):
        lines.append("")
        lines.append(f"Path {i} ({path['hops']} hop{'s' if path['hops'] != 1 else ''}): "
                     + " — ".join(e["name"] for e in path["entities"]))
        for j, step in enumerate(path["steps"], 1):
            best, more = step["ties"][0], len(step["ties"]) - 1
            lines.append(f"  {j}. {hop_line(best)}" + (f" (+{more} more)" if more else ""))
            lines.extend(_evidence(best, "       ", limit=1))
    if result.get("truncated"):
        lines.append("(search capped: a hub's neighbourhood was not fully explored)")
    return "\n".join(lines)


def render_timeline(result: dict) -> str:
    lines = [f"Timeline of {result['entity']['name']}"]
    for label, events in (("", result["events"]), ("Undated:", result["undated"])):
        if label and events:
            lines.extend(["", label])
        for ev in events:
            what = ev["type"] or "event"
            if ev.get("name"):
                what += f" “{ev['name']}”"
            where = f" in {ev['place']}" if ev.get("place") else ""
            others = ", ".join(w["name"] for w in ev["with"])
            if ev.get("via"):
                what = f"({ev['via']['name']}) {what}"
            lines.append(f"{ev['date'] or '—':<10}  {what}{where}" + (f" with {others}" if others else "")
                         + f"  [{ev['sources']} source{'s' if ev['sources'] != 1 else ''}]")
            for q in ev["evidence"][:1]:
                lines.extend(textwrap.wrap(_cite(q), 100, initial_indent="            ",
                                           subsequent_indent="              "))
    if not result["events"] and not result["undated"]:
        lines.append("No events.")
    if result.get("more"):
        lines.extend(["", f"… {result['more']} more event(s): raise --limit, or narrow with --since / --until"])
    return "\n".join(lines)


def render_network(result: dict) -> str:
    lines = [f"Network of {result['center']['name']} (depth {result['depth']}, level {result['level']}): "
             f"{len(result['nodes'])} nodes, {len(result['edges'])} links"]
    for node in result["nodes"]:
        lines.append(f"  [{node['distance']}] {node['name']} ({node['type']}, degree {node['degree']})")
    lines.append("Links:")
    for e in result["edges"]:
        dates = f", {e['first']}" + (f"..{e['last']}" if e["last"] != e["first"] else "") if e["first"] else ""
        via = f" via {', '.join(v['name'] for v in e['via'])}" if e["via"] else ""
        lines.append(f"  {e['source']['name']} — {e['target']['name']}: {', '.join(e['kinds'])}"
                     f" ({e['sources']} source{'s' if e['sources'] != 1 else ''}{dates}){via}")
    return "\n".join(lines)


def render_new(result: dict) -> str:
    lines = [f"Links first seen since {result['since']} (by {result['by']} date, {result['level']} level):"]
    for link in result["links"]:
        via = f" (via {', '.join(v['name'] for v in link['via'])})" if link["via"] else ""
        lines.append(f"  - {link['summary']}{via}")
        lines.extend(_evidence(link["hop"], "      ", limit=1))
    if not result["links"]:
        lines.append("  none")
    return "\n".join(lines)


def render_brokers(result: dict) -> str:
    lines = [f"Brokers over {result['nodes']} entities and {result['edges']} links"
             + (" (sampled betweenness)" if result["sampled"] else "") + ":"]
    for i, b in enumerate(result["brokers"], 1):
        lines.append(f"{i:>2}. {b['entity']['name']} ({b['entity']['type']}) betweenness {b['betweenness']:.3f}, "
                     f"degree {b['degree']}, joins {len(b['groups'])} groups")
        for g in b["groups"][:5]:
            links = "; ".join(f"{l['to']['name']} ({', '.join(l['kinds'])})" for l in g["links"][:4])
            lines.append(f"      group of {g['size']}: {links}")
    return "\n".join(lines)


def render_alert(alert: dict) -> str:
    return f"[{alert['type']}] {alert['summary']}"
