"""The knowledge base's summaries (``kb_entities``, ``kb_events``), written from clusters and their items.

Both resolutions write them: the whole-store one for every kb id, an
incremental one (``store.resolve_new``) for the kb ids it touched. An entity's
summary is counted by the database (names, types, documents, independent
sources), so a kb id named in ten thousand reports costs a few grouped rows,
not ten thousand. An event's is made from its members' ``EventRecord``s:
time (the finest of a compatible chain, else a conflict listing each value),
place, sources and the confidence they give (``resolve.confidence``).
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Iterable

from sqlalchemy import Text, cast, delete, func, select
from sqlalchemy.engine import Connection

from linkwatch.resolve import confidence as conf
from linkwatch.resolve.events import EventRecord, compatible_times, event_conflicts
from linkwatch.resolve.names import name_key
from linkwatch.store import schema as S
from linkwatch.store.db import among, chunks, plain_rows

IN_CHUNK = 500


def _entity_kb_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(S.clusters.c.kb_id).where(S.clusters.c.kind == "entity").distinct()).scalars())


def write_entity_summaries(conn: Connection, kb_ids: Iterable[str] | None = None) -> int:
    """(Re)write the ``kb_entities`` rows of ``kb_ids`` (every entity kb id when None); returns rows written.

    A kb id with no clustered record left loses its row."""
    if kb_ids is None:
        conn.execute(delete(S.kb_entities))
        wanted = _entity_kb_ids(conn)
    else:
        wanted = sorted(set(kb_ids))
        for batch in chunks(wanted, IN_CHUNK):
            conn.execute(delete(S.kb_entities).where(among(conn, S.kb_entities.c.kb_id, batch)))
    watch_keys = set(conn.execute(select(S.watchlist_names.c.name_key)).scalars())
    r, c, d = S.records, S.clusters, S.documents
    joined = r.join(c, c.c.item_id == r.c.id)
    written = 0
    for batch in chunks(wanted, IN_CHUNK):
        where = (c.c.kind == "entity", among(conn, c.c.kb_id, batch))
        names: dict[str, Counter] = defaultdict(Counter)
        types: dict[str, Counter] = defaultdict(Counter)
        for kb, name, type_, n in conn.execute(select(c.c.kb_id, r.c.name, r.c.type, func.count())
                                               .select_from(joined).where(*where)
                                               .group_by(c.c.kb_id, r.c.name, r.c.type)):
            names[kb][name] += n
            types[kb][type_] += n
        for kb, aliases in conn.execute(select(c.c.kb_id, cast(r.c.aliases, Text)).select_from(joined)
                                        .where(*where, r.c.aliases.is_not(None)).distinct()):
            # distinct lists, as text: the database drops the repeats (a kb named in a thousand reports
            # with the same aliases costs a row, not a thousand)
            for alias in (json.loads(aliases) if aliases else None) or ():
                names[kb][alias] += 0
        counts = {kb: (documents, sources, ref) for kb, documents, sources, ref in conn.execute(
            select(c.c.kb_id, func.count(r.c.document_id.distinct()),
                   func.count(func.coalesce(d.c.syndicated_of, d.c.id).distinct()), func.max(r.c.ref_id))
            .select_from(joined.join(d, d.c.id == r.c.document_id)).where(*where).group_by(c.c.kb_id))}
        rows = []
        for kb in sorted(names):
            ordered = sorted(names[kb].items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0]))
            documents, sources, ref = counts.get(kb, (0, 0, None))
            kind = sorted(types[kb].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
            watched = bool(watch_keys) and any(name_key(n) in watch_keys for n, _ in ordered if n)
            rows.append(dict(kb_id=kb, type=kind, name=ordered[0][0], aliases=[n for n, _ in ordered[1:]],
                             documents=documents, sources=sources, ref_id=ref, watchlisted=watched))
        if rows:
            plain_rows(conn, S.kb_entities, rows)
        written += len(rows)
    return written


def write_event_summaries(conn: Connection, members: dict[str, list[EventRecord]], *,
                          replace_all: bool = False, grades: dict | None = None) -> int:
    """(Re)write the ``kb_events`` rows of the kb events in ``members`` (kb id → its per-document
    events, every one of them); with ``replace_all`` every other row goes too. Returns rows written."""
    if replace_all:
        conn.execute(delete(S.kb_events))
    else:
        for batch in chunks(sorted(members), IN_CHUNK):
            conn.execute(delete(S.kb_events).where(among(conn, S.kb_events.c.kb_id, batch)))
    grades = conf.outlet_grades(sources_path()) if grades is None else grades
    written = 0
    for batch in chunks(sorted(members), IN_CHUNK):
        evs_of = {kb: members[kb] for kb in batch}
        event_ids = [e.id for evs in evs_of.values() for e in evs]
        documents = {e.document for evs in evs_of.values() for e in evs}
        places = {e.location for evs in evs_of.values() for e in evs if e.location}
        modality, docs, place_names = {}, {}, {}
        for part in chunks(event_ids, IN_CHUNK):
            modality.update(conn.execute(select(S.events.c.id, S.events.c.modality)
                                         .where(among(conn, S.events.c.id, part))).all())
        for part in chunks(sorted(documents), IN_CHUNK):
            docs.update((row.id, row) for row in conn.execute(
                select(S.documents.c.id, S.documents.c.outlet, S.documents.c.syndicated_of)
                .where(among(conn, S.documents.c.id, part))))
        for part in chunks(sorted(places), IN_CHUNK):
            place_names.update(conn.execute(select(S.kb_entities.c.kb_id, S.kb_entities.c.name)
                                            .where(among(conn, S.kb_entities.c.kb_id, part))).all())
        rows = [_event_row(kb, evs, modality, docs, grades, place_names) for kb, evs in evs_of.items() if evs]
        if rows:
            plain_rows(conn, S.kb_events, rows)
        written += len(rows)
    return written


def _event_row(kb: str, evs: list[EventRecord], modality: dict, docs: dict, grades: dict, place_names: dict) -> dict:
    times = sorted({e.time for e in evs if e.time}, key=len)
    chain = all(compatible_times(a, b) for a in times for b in times)
    locations = Counter(e.location for e in evs if e.location)
    sources = [(docs[e.document].syndicated_of or e.document if e.document in docs else e.document,
                modality.get(e.id), conf.grade_of(docs[e.document].outlet if e.document in docs else None, grades))
               for e in evs]
    return dict(kb_id=kb, type=Counter(e.type for e in evs).most_common(1)[0][0],
                name=next((e.name for e in evs if e.name), None),
                time_value=(times[-1] if chain else None) if times else None,
                time_conflict=None if chain else times,
                location_kb=locations.most_common(1)[0][0] if locations else None,
                documents=len({e.document for e in evs}), sources=len({s[0] for s in sources}),
                confidence=conf.combine(sources),
                conflicts=event_conflicts(evs, place_names=place_names) or None)


def sources_path() -> str | None:
    from linkwatch.settings import get_settings
    path = get_settings().sources_config
    return str(path) if path else None
