"""Read reports back out of the store, with the knowledge base's ids on them.

``iter_reports`` yields every stored document's report (as extracted), in
document-id order, each entity and event carrying ``kb_id`` (its cluster in
the knowledge base), each event its kb event's ``conflicts`` (the details
its reports disagree on; an empty list when they agree) and watchlisted
entities their ``watchlists``. One
document is in memory at a time.
"""
from __future__ import annotations

import copy
from typing import Iterator

from sqlalchemy import select

from linkwatch.store import schema as S
from linkwatch.store.db import as_engine, reading


def iter_reports(db=None, *, since: str | None = None) -> Iterator[dict]:
    """Yield one per-document report (contract shape) per stored document; ``since``: ingested on/after (ISO)."""
    engine = as_engine(db)
    with reading(engine, "read stored documents") as conn:
        query = select(S.documents.c.id).where(S.documents.c.status == "done").order_by(S.documents.c.id)
        if since:
            query = query.where(S.documents.c.ingested_at >= since)
        ids = list(conn.execute(query).scalars())
        watch = _watchlists(conn)
        for document_id in ids:
            report = conn.execute(select(S.documents.c.report).where(S.documents.c.id == document_id)).scalar()
            if not report:
                continue
            report = copy.deepcopy(report)
            ent = {local: (kb, ref) for local, kb, ref in conn.execute(
                select(S.records.c.local_id, S.clusters.c.kb_id, S.records.c.ref_id)
                .join(S.clusters, S.clusters.c.item_id == S.records.c.id, isouter=True)
                .where(S.records.c.document_id == document_id))}
            evs = {local: (kb, conflicts) for local, kb, conflicts in conn.execute(
                select(S.events.c.local_id, S.clusters.c.kb_id, S.kb_events.c.conflicts)
                .join(S.clusters, S.clusters.c.item_id == S.events.c.id, isouter=True)
                .join(S.kb_events, S.kb_events.c.kb_id == S.clusters.c.kb_id, isouter=True)
                .where(S.events.c.document_id == document_id))}
            for entity in report.get("entities", []):
                kb, ref = ent.get(str(entity.get("id")), (None, None))
                if ref and "ref_id" not in entity:
                    entity["ref_id"] = ref
                entity["kb_id"] = kb
                lists = watch.get(kb)
                if lists:
                    entity["watchlists"] = lists
            for event in report.get("events", []):
                kb, conflicts = evs.get(str(event.get("id")), (None, None))
                event["kb_id"] = kb
                event["conflicts"] = conflicts or []
            yield report


def _watchlists(conn) -> dict[str, list]:
    """kb_id → [{"list", "name"}] for watchlisted kb entities (small: only listed ones)."""
    from linkwatch.store.query import watchlist_hits
    return watchlist_hits(conn)
