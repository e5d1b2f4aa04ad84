"""Human-readable rendering of a report for the terminal."""
from __future__ import annotations


def render_report(report: dict) -> str:
    doc = report["document"]
    names = {e["id"]: e["name"] for e in report["entities"]}
    date = doc.get("published") or (f"{doc['published_inferred']} from the dateline" if doc.get("published_inferred")
                                    else "date unknown")
    lines = [f"== {doc.get('title') or doc['id']}  ({date}; {doc.get('source')})", ""]
    lines.append("Entities")
    for kind in ("person", "organization", "location"):
        items = [e for e in report["entities"] if e["type"] == kind]
        if items:
            shown = ", ".join(e["name"] + (f" ({'/'.join(e['aliases'])})" if e["aliases"] else "") for e in items)
            lines.append(f"  {kind}s: {shown}")
    if report["relations"]:
        lines += ["", "Ties"]
        for r in report["relations"]:
            role = f" [{r['role']}]" if r.get("role") else ""
            lines.append(f"  {names[r['subject']]} —{r['predicate']}{role}→ {names[r['object']]}  ({r['modality']})")
            for ev in r["evidence"][:1]:
                lines.append(f"      “{ev['text'].strip()}”")
    if report["events"]:
        lines += ["", "Events"]
        dated = sorted(report["events"], key=lambda e: ((e.get("time") or {}).get("value") is None,
                                                         (e.get("time") or {}).get("value") or ""))
        for e in dated:
            when = (e.get("time") or {}).get("value") or "undated"
            who = ", ".join(names[p["entity"]] for p in e["participants"])
            org = f"; organised by {names[e['organizer']]}" if e.get("organizer") else ""
            where = f" in {names[e['location']]}" if e.get("location") else ""
            title = f" “{e['name']}”" if e.get("name") else ""
            future = ", future" if e.get("future") else ""
            lines.append(f"  {when:10}  {e['type']}{title}{where}: {who}{org}  ({e['modality']}{future})")
            for ev in e["evidence"][:2]:
                lines.append(f"      “{ev['text'].strip()}”")
    return "\n".join(lines)
