"""Indexes the analysis queries need beyond the store's own, created idempotently.

``lower(kb_entities.name)`` for name look-ups and ``kb_events.time_value``
for "new since"; both are read-only helpers for the queries, safe to create
on an existing knowledge base (``CREATE INDEX IF NOT EXISTS``).
"""
from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

# plain DDL (not Index objects, which would join the store's metadata); both dialects accept it
ANALYSIS_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_lw_analysis_kb_entities_lower_name ON kb_entities (lower(name))",
    "CREATE INDEX IF NOT EXISTS ix_lw_analysis_kb_events_time ON kb_events (time_value)",
)


def ensure_indexes(engine) -> None:
    """Create the analysis indexes if missing; a read-only store is left as it is."""
    try:
        with engine.begin() as conn:
            for ddl in ANALYSIS_INDEXES:
                conn.execute(text(ddl))
    except SQLAlchemyError as exc:  # read-only file or role: queries still work, only slower
        log.warning("could not create analysis indexes: %s", exc)
