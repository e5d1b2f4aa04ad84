"""A tie as the analyst reads it: a dated, placed, cited hop between two entities."""
from __future__ import annotations

from linkwatch.analysis.source import Tie, entity_rows, event_rows, evidence_for
from linkwatch.analysis.views import MODALITY_RANK


def entity_ref(entities: dict[str, dict], kb_id: str) -> dict:
    e = entities.get(kb_id) or {"id": kb_id, "name": kb_id, "type": None}
    return {"id": e["id"], "name": e["name"], "type": e["type"]}


class HopWriter:
    """Turns ties into hop records, fetching entities, events and quotes in bulk."""

    def __init__(self, conn, ties: list[Tie], *, entities: dict | None = None, events: dict | None = None,
                 quotes_per_claim: int = 2) -> None:
        self.entities = dict(entities or {})
        missing = ({t.a for t in ties} | {t.b for t in ties}) - self.entities.keys()
        if missing:
            self.entities.update(entity_rows(conn, missing))
        self.events = dict(events or {})
        wanted = {t.event for t in ties if t.event} - self.events.keys()
        if wanted:
            self.events.update(event_rows(conn, wanted))
        self.quotes = evidence_for(conn, {c.id for t in ties for c in t.claims}, per_claim=quotes_per_claim)

    def hop(self, tie: Tie, *, start: str | None = None) -> dict:
        """One hop; ``start`` orients it (``from`` is the node the path comes from)."""
        frm = start if start in (tie.a, tie.b) else tie.a
        to = tie.other(frm)
        event = self.events.get(tie.event) if tie.event else None
        roles = sorted({c.role for c in tie.claims if c.role and tie.kind != "co_presence"})
        dates = sorted({c.time_value for c in tie.claims if c.time_value})
        evidence, seen = [], set()
        for claim in tie.claims:
            for q in self.quotes.get(claim.id, []):
                key = (q["document"], q["quote"])
                if key not in seen:
                    seen.add(key)
                    evidence.append(q)
        # strongest first (an unknown modality last); then by citation, so the order does not depend on how
        # the claims were read
        evidence.sort(key=lambda q: (-MODALITY_RANK.get(q.get("modality") or "asserted", -1),
                                     -(q.get("confidence") or 0.0),
                                     q["document"], q.get("start") if q.get("start") is not None else -1,
                                     q.get("quote") or ""))
        record = {
            "from": entity_ref(self.entities, frm),
            "to": entity_ref(self.entities, to),
            "kind": tie.kind,
            "subject": tie.a if tie.kind != "co_presence" else None,
            "object": tie.b if tie.kind != "co_presence" else None,
            "role": "; ".join(roles) or None,
            "event": None,
            "date": dates[0] if dates else None,
            "place": None,
            "modality": tie.modalities,
            "confidence": round(tie.confidence, 3),
            "sources": tie.sources,
            "documents": tie.documents,
            "evidence": evidence,
        }
        if event:
            record["event"] = {"id": event["id"], "type": event["type"], "name": event["name"],
                               "date": event["date"], "place": event["place"],
                               "roles": {entity_ref(self.entities, k)["name"]: v for k, v in tie.roles.items()}}
            record["date"] = event["date"]
            record["place"] = event["place"]
        return record
