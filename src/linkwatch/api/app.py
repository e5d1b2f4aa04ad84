"""FastAPI application: JSON routes under ``/api``, HTML pages (``linkwatch.web``) at the root.

One JSON error shape for every failure:
``{"error": {"code": "E_NOT_FOUND", "message": "...", "suggestions": [...]}}``.
"""
from __future__ import annotations

import logging
from typing import Optional

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import JSONResponse

from linkwatch.errors import Ambiguous, ExportError, LinkwatchError, LookupFailed, StoreError

log = logging.getLogger(__name__)

STATUS = ((Ambiguous, 409), (LookupFailed, 404), (StoreError, 503), (ExportError, 500), (LinkwatchError, 400))


def error_body(exc: LinkwatchError) -> dict:
    return {"error": {"code": exc.code, "message": exc.message,
                      "suggestions": list(getattr(exc, "suggestions", []) or [])}}


def status_of(exc: LinkwatchError) -> int:
    return next(code for kind, code in STATUS if isinstance(exc, kind))


class KB:
    """The open knowledge base the routes query (one engine per app)."""

    def __init__(self, db=None) -> None:
        self.db = db
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            from linkwatch.analysis import open_kb
            self._engine = open_kb(self.db)
        return self._engine

    def ask(self, question, *args, **kwargs):
        from linkwatch.store.db import reading
        with reading(self.engine, "query the knowledge base") as conn:
            return question(conn, *args, **kwargs)


def filters_from(since=None, until=None, min_confidence=0.0, modality=None, min_sources=1):
    from linkwatch.analysis import Filters
    return Filters.parse(since=since, until=until, min_confidence=min_confidence, modality=modality,
                         min_sources=min_sources)


def api_router(kb: KB) -> APIRouter:
    from linkwatch.analysis.brief import brief
    from linkwatch.analysis.brokers import brokers
    from linkwatch.analysis.links import links
    from linkwatch.analysis.network import network
    from linkwatch.analysis.newlinks import new_links
    from linkwatch.analysis.timeline import timeline

    router = APIRouter(prefix="/api")

    @router.get("/entities")
    def entities(search: Optional[str] = None, type: Optional[str] = None, limit: int = Query(50, le=1000)):
        from linkwatch.store.query import list_entities
        return {"entities": list_entities(kb.engine, type=type, search=search, limit=limit)}

    @router.get("/entities/{name}")
    def show(name: str):
        from linkwatch.store.query import show_entity
        return show_entity(kb.engine, name)

    @router.get("/links")
    def links_route(a: str, b: str, hops: int = 3, limit: int = 10, since: Optional[str] = None,
                    until: Optional[str] = None, min_confidence: float = 0.0, modality: Optional[str] = None,
                    min_sources: int = 1):
        return kb.ask(links, a, b, hops=hops, limit=limit,
                      filters=filters_from(since, until, min_confidence, modality, min_sources))

    @router.get("/timeline/{name}")
    def timeline_route(name: str, since: Optional[str] = None, until: Optional[str] = None,
                       min_confidence: float = 0.0, modality: Optional[str] = None, min_sources: int = 1,
                       limit: int = 200):
        return kb.ask(timeline, name, limit=limit,
                      filters=filters_from(since, until, min_confidence, modality, min_sources))

    @router.get("/network/{name}")
    def network_route(name: str, depth: int = 2, level: str = "all", since: Optional[str] = None,
                      until: Optional[str] = None, min_confidence: float = 0.0, modality: Optional[str] = None,
                      min_sources: int = 1):
        return kb.ask(network, name, depth=depth, level=level,
                      filters=filters_from(since, until, min_confidence, modality, min_sources))

    @router.get("/new")
    def new_route(since: str, until: Optional[str] = None, by: str = "event", level: str = "organization",
                  min_confidence: float = 0.0, modality: Optional[str] = None, min_sources: int = 1,
                  limit: int = 200):
        return kb.ask(new_links, since=since, until=until, by=by, level=level, limit=limit,
                      filters=filters_from(None, None, min_confidence, modality, min_sources))

    @router.get("/brokers")
    def brokers_route(top: int = 10, co_presence_only: bool = False, since: Optional[str] = None,
                      until: Optional[str] = None, min_confidence: float = 0.0, modality: Optional[str] = None):
        return kb.ask(brokers, top=top, co_presence_only=co_presence_only,
                      filters=filters_from(since, until, min_confidence, modality, 1))

    @router.get("/brief/{name}")
    def brief_route(name: str):
        return kb.ask(brief, name)

    return router


def create_app(db=None) -> FastAPI:
    """The whole service: JSON API and HTML pages over the knowledge base at ``db``."""
    app = FastAPI(title="linkwatch", description="Evidence-backed, time-aware graphs of militant networks.",
                  version="0.1.0")
    kb = KB(db)
    app.state.kb = kb

    @app.exception_handler(LinkwatchError)
    async def _linkwatch_error(request: Request, exc: LinkwatchError):
        if request.url.path.startswith("/api") or "application/json" in request.headers.get("accept", ""):
            return JSONResponse(error_body(exc), status_code=status_of(exc))
        from linkwatch.web.pages import error_page
        return error_page(request, exc, status_of(exc))

    app.include_router(api_router(kb))
    from linkwatch.web.pages import mount_pages
    mount_pages(app, kb)
    return app
