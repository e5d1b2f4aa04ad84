"""Questions over the knowledge base: links, timelines, networks, new links, brokers, alerts, briefs.

Each question is a function taking an open connection (``engine.connect()``)
and returning plain records (dicts), which the CLI, the API and the web pages
render. ``open_kb`` opens (and migrates) the store; the indexes analysis
relies on are the store's migration ``0004_analysis_indexes``.
"""
from __future__ import annotations

from linkwatch.analysis.filters import Filters


def open_kb(db=None):
    """An Engine on the knowledge base (URL, path, Engine or None for settings), migrated."""
    from sqlalchemy.engine import Engine

    from linkwatch.store import connect

    return db if isinstance(db, Engine) else connect(db)


__all__ = ["Filters", "open_kb"]
