"""HTML pages over the same library calls as the JSON API; every page links its JSON twin."""
from __future__ import annotations

from pathlib import Path
from typing import Optional
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))


def _twin(path: str, request: Request) -> str:
    query = str(request.url.query)
    return path + (f"?{query}" if query else "")


def render(request: Request, template: str, twin: str, status_code: int = 200, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, template, {"twin": twin, **context}, status_code=status_code)


def error_page(request: Request, exc, status_code: int) -> HTMLResponse:
    return render(request, "error.html", twin="", status_code=status_code, error=exc)


def _params(request: Request, *names) -> dict:
    return {k: v for k, v in request.query_params.items() if k in names and v != ""}


def mount_pages(app: FastAPI, kb) -> None:
    from linkwatch.analysis.brief import brief, network_svg, render_html
    from linkwatch.analysis.brokers import brokers
    from linkwatch.analysis.links import links
    from linkwatch.analysis.network import network
    from linkwatch.analysis.newlinks import new_links
    from linkwatch.analysis.timeline import timeline
    from linkwatch.api.app import filters_from

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    filter_names = ("since", "until", "min_confidence", "modality", "min_sources")

    def filters(request: Request, dated: bool = True):
        p = _params(request, *filter_names)
        return filters_from(p.get("since") if dated else None, p.get("until") if dated else None,
                            float(p.get("min_confidence", 0.0)), p.get("modality"), int(p.get("min_sources", 1)))

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request, search: Optional[str] = None, type: Optional[str] = None):
        from linkwatch.store.query import list_entities
        rows = list_entities(kb.engine, search=search, type=type, limit=100)
        return render(request, "home.html", _twin("/api/entities", request), entities=rows, search=search or "")

    @app.get("/entity/{name}", response_class=HTMLResponse)
    def entity(request: Request, name: str):
        from linkwatch.store.query import show_entity
        data = show_entity(kb.engine, name)
        return render(request, "entity.html", f"/api/entities/{quote(name)}", e=data)

    @app.get("/links", response_class=HTMLResponse)
    def links_page(request: Request, a: Optional[str] = None, b: Optional[str] = None, hops: int = 3):
        result = kb.ask(links, a, b, hops=hops, filters=filters(request)) if a and b else None
        return render(request, "links.html", _twin("/api/links", request), r=result, a=a or "", b=b or "",
                      hops=hops)

    @app.get("/timeline/{name}", response_class=HTMLResponse)
    def timeline_page(request: Request, name: str):
        result = kb.ask(timeline, name, filters=filters(request))
        return render(request, "timeline.html", _twin(f"/api/timeline/{quote(name)}", request), r=result)

    @app.get("/network/{name}", response_class=HTMLResponse)
    def network_page(request: Request, name: str, depth: int = 2, level: str = "all"):
        result = kb.ask(network, name, depth=depth, level=level, filters=filters(request))
        return render(request, "network.html", _twin(f"/api/network/{quote(name)}", request), r=result,
                      svg=network_svg(result))

    @app.get("/new", response_class=HTMLResponse)
    def new_page(request: Request, since: Optional[str] = None, by: str = "event", level: str = "organization"):
        result = kb.ask(new_links, since=since, by=by, level=level, filters=filters(request, dated=False)) \
            if since else None
        return render(request, "new.html", _twin("/api/new", request), r=result, since=since or "")

    @app.get("/brokers", response_class=HTMLResponse)
    def brokers_page(request: Request, top: int = 10):
        result = kb.ask(brokers, top=top, filters=filters(request))
        return render(request, "brokers.html", _twin("/api/brokers", request), r=result)

    @app.get("/brief/{name}", response_class=HTMLResponse)
    def brief_page(request: Request, name: str):
        return HTMLResponse(render_html(kb.ask(brief, name), twin=f"/api/brief/{quote(name)}"))

    app.state.url_for_query = lambda path, **q: path + ("?" + urlencode(q) if q else "")
