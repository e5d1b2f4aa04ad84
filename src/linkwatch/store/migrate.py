"""Named, idempotent schema migrations.

Each migration has a name and a function of a connection; ``migrate`` applies
those not yet recorded in ``migrations``, each in its own transaction, in
name order. Running it twice does nothing the second time. Migrations only
ever add (tables, columns, indexes), so older readers keep working; the one
exception empties a table of pre-counted rows that a newer table replaced
(``0011_timeline_positions``: an older reader then counts timelines from the
claims).
"""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.engine import Connection, Engine

from linkwatch.store import schema
from linkwatch.store.db import now, writing

log = logging.getLogger(__name__)

INITIAL = ("documents", "failures", "records", "events", "claims", "evidence", "judgements",
           "clusters", "kb_entities", "kb_events", "watchlists", "watchlist_names")


def _add_column(conn: Connection, column) -> None:
    """ALTER TABLE ... ADD COLUMN for a column of the schema that an older store lacks (idempotent)."""
    table = column.table.name
    if column.name not in {c["name"] for c in inspect(conn).get_columns(table)}:
        kind = column.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column.name} {kind}")


def _initial(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.metadata.tables[n] for n in INITIAL], checkfirst=True)


def _fingerprints(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.fingerprints], checkfirst=True)


def _rewordings_conflicts(conn: Connection) -> None:
    schema.metadata.create_all(conn, tables=[schema.signatures, schema.signature_bands], checkfirst=True)
    _add_column(conn, schema.kb_events.c.conflicts)


# plain DDL (not Index objects on the tables, so ``create_all`` keeps building 0001 exactly as before);
# both dialects accept it, and ``IF NOT EXISTS`` adopts the indexes older versions made on opening a store
ANALYSIS_INDEXES = (
    # name look-ups (analysis.lookup) and "new since" (kb_events by date)
    "CREATE INDEX IF NOT EXISTS ix_lw_analysis_kb_entities_lower_name ON kb_entities (lower(name))",
    "CREATE INDEX IF NOT EXISTS ix_lw_analysis_kb_events_time ON kb_events (time_value)",
    # covering indexes for the walks analysis makes: kb id -> items, item -> kb id,
    # (claims are read through their own subject / object indexes)
    "CREATE INDEX IF NOT EXISTS ix_lw_clusters_kb_kind_item ON clusters (kb_id, kind, item_id)",
    "CREATE INDEX IF NOT EXISTS ix_lw_clusters_item_kb ON clusters (item_id, kb_id)",
)


def _analysis_indexes(conn: Connection) -> None:
    for ddl in ANALYSIS_INDEXES:
        conn.exec_driver_sql(ddl)


def _edges(conn: Connection) -> None:
    """The analysis aggregates' first tables (``store.edges``; built by ``0006_timeline``)."""
    schema.metadata.create_all(conn, tables=[schema.kb_ties, schema.kb_links, schema.kb_presence,
                                             schema.kb_firsts, schema.kb_aggregates], checkfirst=True)


def _timeline(conn: Connection) -> None:
    """Timeline rows (``kb_timeline``, superseded by ``0011_timeline_positions``, which builds the
    aggregates) and the aggregates' generation stamp."""
    schema.metadata.create_all(conn, tables=[schema.kb_timeline, schema.kb_seen], checkfirst=True)
    _add_column(conn, schema.kb_aggregates.c.generation)


def _seen(conn: Connection) -> None:
    """What the aggregates were counted from (``store.increment``); written by the next refresh."""
    schema.metadata.create_all(conn, tables=[schema.kb_seen], checkfirst=True)


def _block_keys(conn: Connection) -> None:
    """Resolution's blocking keys (``store.resolve_new``), filled by the next whole-store resolution (which
    the next ingest runs, no resolution having recorded them yet); places' geo on their records, read
    once here from the stored reports."""
    from linkwatch.store.write import place_geo, record_id

    schema.metadata.create_all(conn, tables=[schema.block_keys], checkfirst=True)
    _add_column(conn, schema.records.c.geo)
    r, d = schema.records, schema.documents
    updates = []
    for document_id, report in conn.execute(select(d.c.id, d.c.report).where(d.c.status == "done")):
        for entity in (report or {}).get("entities", ()):
            geo = place_geo(entity)
            if geo:
                updates.append({"rid": record_id(document_id, entity), "geo": geo})
    if updates:
        conn.execute(r.update().where(r.c.id == bindparam("rid")).values(geo=bindparam("geo")), updates)


def _aggregate_indexes(conn: Connection) -> None:
    """The indexes an incremental refresh (``store.increment``) reads a renamed or merged kb id's rows by."""
    for index in schema.kb_timeline.indexes:
        index.create(conn, checkfirst=True)
    conn.exec_driver_sql(schema.KB_EVENTS_LOCATION_INDEX)


def _step_indexes(conn: Connection) -> None:
    """The indexes an incremental step reads by (without them each step read every event, or every first
    meeting): events by their place's or organiser's record (resolution blocks events by place), first
    meetings by event (``store.increment``)."""
    for ddl in schema.STEP_INDEXES:
        conn.exec_driver_sql(ddl)


def _timeline_positions(conn: Connection) -> None:
    """Timeline rows ordered by a stored position (``kb_timelines``) instead of a dense rank: the
    aggregates are rebuilt now on a resolved KB, and the rows of ``kb_timeline`` (a view of the claims,
    no longer written) go."""
    from linkwatch.store import edges

    schema.metadata.create_all(conn, tables=[schema.kb_timelines], checkfirst=True)
    conn.execute(schema.kb_timeline.delete())
    if conn.execute(select(schema.clusters.c.item_id).limit(1)).first():
        edges.rebuild(conn)


MIGRATIONS: list[tuple[str, Callable[[Connection], None]]] = [
    ("0001_initial", _initial),
    ("0002_fingerprints", _fingerprints),
    ("0003_rewordings_conflicts", _rewordings_conflicts),
    ("0004_analysis_indexes", _analysis_indexes),
    ("0005_edges", _edges),
    ("0006_timeline", _timeline),
    ("0007_seen", _seen),
    ("0008_block_keys", _block_keys),
    ("0009_aggregate_indexes", _aggregate_indexes),
    ("0010_step_indexes", _step_indexes),
    ("0011_timeline_positions", _timeline_positions),
]


def migrate(engine: Engine) -> list[str]:
    """Apply missing migrations; returns the names applied now."""
    with writing(engine, "create the migrations table") as conn:
        if not inspect(conn).has_table(schema.migrations.name):
            schema.migrations.create(conn, checkfirst=True)
    done = []
    for name, step in MIGRATIONS:
        with writing(engine, f"apply migration {name}") as conn:
            seen = conn.execute(select(schema.migrations.c.name).where(schema.migrations.c.name == name)).first()
            if seen:
                continue
            step(conn)
            conn.execute(schema.migrations.insert().values(name=name, applied_at=now()))
            done.append(name)
            log.info("applied migration %s", name)
    return done
