"""Questions the CLI asks of the knowledge base: list, look up, show."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, or_, select

from linkwatch.errors import Ambiguous, LookupFailed
from linkwatch.resolve.names import fold, name_key
from linkwatch.resolve.reference import watchlists_for
from linkwatch.store import schema as S
from linkwatch.store.db import as_engine, reading


def watchlist_hits(conn, kb_ids: list[str] | None = None) -> dict[str, list]:
    query = select(S.kb_entities.c.kb_id, S.kb_entities.c.name, S.kb_entities.c.aliases, S.kb_entities.c.ref_id)
    if kb_ids is not None:
        query = query.where(S.kb_entities.c.kb_id.in_(kb_ids))
    else:
        query = query.where(or_(S.kb_entities.c.watchlisted.is_(True), S.kb_entities.c.ref_id.is_not(None)))
    out: dict[str, list] = {}
    for kb, name, aliases, ref in conn.execute(query):
        keys = {name_key(n) for n in [name, *(aliases or [])] if n}
        lists = [dict(w) for w in watchlists_for(ref)]
        if keys:
            rows = conn.execute(select(S.watchlists.c.list, S.watchlists.c.name, S.watchlists.c.entity_id)
                                .join(S.watchlist_names, S.watchlist_names.c.watchlist_id == S.watchlists.c.id)
                                .where(S.watchlist_names.c.name_key.in_(sorted(keys)))).all()
            seen = set()
            for lst, wname, entity_id in rows:
                if (lst, entity_id) not in seen:
                    seen.add((lst, entity_id))
                    lists.append({"list": lst, "name": wname, "id": entity_id})
        if lists:
            out[kb] = lists
    return out


def list_entities(db=None, *, type: str | None = None, search: str | None = None, limit: int = 50) -> list[dict]:
    engine = as_engine(db)
    k = S.kb_entities
    query = select(k).order_by(k.c.documents.desc(), k.c.name).limit(limit)
    if type:
        query = query.where(k.c.type == type)
    if search:
        like = f"%{search.lower()}%"
        kb_from_records = select(S.clusters.c.kb_id).join(S.records, S.records.c.id == S.clusters.c.item_id) \
            .where(func.lower(S.records.c.name).like(like))
        query = query.where(or_(func.lower(k.c.name).like(like), k.c.kb_id.in_(kb_from_records)))
    with reading(engine, "list entities") as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def find_entity(conn, name_or_id: str) -> str:
    """The kb id for an id or a name (any spelling variant); raises LookupFailed / Ambiguous."""
    k = S.kb_entities
    if conn.execute(select(k.c.kb_id).where(k.c.kb_id == name_or_id)).first():
        return name_or_id
    hit = conn.execute(select(S.clusters.c.kb_id).where(S.clusters.c.item_id == name_or_id)).scalar()
    if hit:
        return hit
    key = name_key(name_or_id)
    rows = conn.execute(select(S.clusters.c.kb_id, S.records.c.name)
                        .join(S.clusters, S.clusters.c.item_id == S.records.c.id)
                        .where(S.records.c.name_key == key)).all()
    if not rows:
        rows = conn.execute(select(S.clusters.c.kb_id, S.records.c.name)
                            .join(S.clusters, S.clusters.c.item_id == S.records.c.id)
                            .where(func.lower(S.records.c.name).like(f"%{fold(name_or_id).split()[-1] if fold(name_or_id) else name_or_id}%"))
                            .limit(200)).all()
        candidates = sorted({kb for kb, _ in rows})
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise LookupFailed(f"no entity called {name_or_id!r}")
        names = {kb: n for kb, n in conn.execute(select(k.c.kb_id, k.c.name).where(k.c.kb_id.in_(candidates)))}
        raise Ambiguous(f"{name_or_id!r} is not a full name; it appears in {len(candidates)} entities",
                        suggestions=[f"{kb}  {names.get(kb, '')}" for kb in candidates[:12]])
    kbs = sorted({kb for kb, _ in rows})
    if len(kbs) > 1:
        names = {kb: n for kb, n in conn.execute(select(k.c.kb_id, k.c.name).where(k.c.kb_id.in_(kbs)))}
        raise Ambiguous(f"{name_or_id!r} names {len(kbs)} entities",
                        suggestions=[f"{kb}  {names.get(kb, '')}" for kb in kbs])
    return kbs[0]


def show_entity(db, name_or_id: str) -> dict:
    """Everything the knowledge base holds about one entity, each claim with its sources."""
    engine = as_engine(db)
    with reading(engine, "show an entity") as conn:
        kb = find_entity(conn, name_or_id)
        head = dict(conn.execute(select(S.kb_entities).where(S.kb_entities.c.kb_id == kb)).first()._mapping)
        items = list(conn.execute(select(S.clusters.c.item_id).where(S.clusters.c.kb_id == kb,
                                                                     S.clusters.c.kind == "entity")).scalars())
        rec_ids = [i for i in items if not i.startswith("ref:")]
        kb_of = _kb_map(conn, rec_ids)
        docs = {d.id: dict(d._mapping) for d in conn.execute(
            select(S.documents.c.id, S.documents.c.title, S.documents.c.outlet, S.documents.c.published,
                   S.documents.c.url, S.documents.c.syndicated_of)
            .where(S.documents.c.id.in_(select(S.records.c.document_id).where(S.records.c.id.in_(rec_ids)))))}
        relations = defaultdict(lambda: {"sources": [], "modalities": set(), "roles": set()})
        for c in conn.execute(select(S.claims).where(S.claims.c.kind == "relation",
                                                     or_(S.claims.c.subject.in_(rec_ids), S.claims.c.object.in_(rec_ids)))):
            other_rec = c.object if c.subject in rec_ids else c.subject
            direction = "out" if c.subject in rec_ids else "in"
            other = _kb_map(conn, [other_rec]).get(other_rec)
            key = (direction, c.predicate, other)
            relations[key]["sources"].append(c.document_id)
            relations[key]["modalities"].add(c.modality)
            if c.role:
                relations[key]["roles"].add(c.role)
        names = _names(conn, {o for (_, _, o) in relations})
        rel_out = [{"direction": d, "predicate": p, "other": o, "other_name": names.get(o), "roles": sorted(v["roles"]),
                    "modalities": sorted(m for m in v["modalities"] if m), "sources": sorted(set(v["sources"]))}
                   for (d, p, o), v in relations.items()]
        ev_ids = set(conn.execute(select(S.claims.c.subject).where(S.claims.c.kind == "participation",
                                                                    S.claims.c.object.in_(rec_ids))).scalars())
        ev_kb = {i: k for i, k in conn.execute(select(S.clusters.c.item_id, S.clusters.c.kb_id)
                                               .where(S.clusters.c.item_id.in_(sorted(ev_ids))))}
        events = []
        for row in conn.execute(select(S.kb_events).where(S.kb_events.c.kb_id.in_(sorted(set(ev_kb.values()))))):
            e = dict(row._mapping)
            e["sources"] = sorted(set(conn.execute(
                select(S.events.c.document_id).join(S.clusters, S.clusters.c.item_id == S.events.c.id)
                .where(S.clusters.c.kb_id == e["kb_id"])).scalars()))
            e["location_name"] = _names(conn, {e["location_kb"]}).get(e["location_kb"]) if e["location_kb"] else None
            events.append(e)
        events.sort(key=lambda e: (e["time_value"] or "9999", e["kb_id"]))
        judgements = [dict(r._mapping) for r in conn.execute(
            select(S.judgements).where(S.judgements.c.source == "analyst",
                                       or_(S.judgements.c.left_id.in_(items), S.judgements.c.right_id.in_(items))))]
        head["watchlists"] = watchlist_hits(conn, [kb]).get(kb, [])
        head.update(relations=rel_out, events=events, documents_detail=list(docs.values()), judgements=judgements)
        del kb_of
        return head


def _kb_map(conn, items) -> dict[str, str]:
    if not items:
        return {}
    return dict(conn.execute(select(S.clusters.c.item_id, S.clusters.c.kb_id).where(S.clusters.c.item_id.in_(list(items)))).all())


def _names(conn, kbs) -> dict[str, str]:
    kbs = [k for k in kbs if k]
    if not kbs:
        return {}
    return dict(conn.execute(select(S.kb_entities.c.kb_id, S.kb_entities.c.name).where(S.kb_entities.c.kb_id.in_(kbs))).all())
