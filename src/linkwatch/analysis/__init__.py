"""Questions over the knowledge base: links, timelines, networks, new links, brokers, alerts, briefs.

Each question is a function taking an open connection (``engine.connect()``)
and returning plain records (dicts), which the CLI, the API and the web pages
render. ``open_kb`` opens the store and adds the indexes analysis relies on.
"""
from __future__ import annotations

from linkwatch.analysis.filters import Filters


def open_kb(db=None):
    """An Engine on the knowledge base (URL, path, Engine or None for settings), indexed for analysis."""
    from sqlalchemy.engine import Engine

    from linkwatch.analysis.indexes import ensure_indexes
    from linkwatch.store import connect

    engine = db if isinstance(db, Engine) else connect(db)
    ensure_indexes(engine)
    return engine


__all__ = ["Filters", "open_kb"]
