"""The knowledge base: SQLAlchemy Core tables for SQLite and PostgreSQL (see ``schema``).

    connect(url)          open and migrate; errors become StoreError
    iter_reports(db)      every stored document's report, with kb_id on entities and events
    resolve_store(engine) rebuild identity (judgements → clusters → kb summaries)
"""
from linkwatch.store.db import connect
from linkwatch.store.reports import iter_reports
from linkwatch.store.resolution import resolve_store

__all__ = ["connect", "iter_reports", "resolve_store"]
