"""Questions over the knowledge base: links, timeline, network, new, brokers, watch, brief.

Each command parses its options, calls one function of ``linkwatch.analysis``
and renders the record: readable text by default, ``--format json`` for scripts.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from linkwatch.cli import app
from linkwatch.cli.common import fail, reported_errors

DB_HELP = "Knowledge base: SQLAlchemy URL or SQLite file (default: $LINKWATCH_DB or linkwatch.db)."
FORMAT_HELP = "text (default) or json."


def _filters(since, until, min_confidence, modality, min_sources):
    from linkwatch.analysis import Filters
    return Filters.parse(since=since, until=until, min_confidence=min_confidence, modality=modality,
                         min_sources=min_sources)


def _check_format(fmt: str, allowed=("text", "json")) -> None:
    if fmt not in allowed:
        fail(f"unknown format {fmt!r} ({', '.join(allowed)})", code=2)


def _emit(result: dict, fmt: str, render) -> None:
    if fmt == "json":
        typer.echo(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    else:
        typer.echo(render(result))


def _run(db, question, *args, **kwargs) -> dict:
    from linkwatch.analysis import open_kb
    engine = open_kb(db)
    from linkwatch.store.db import reading
    with reading(engine, "query the knowledge base") as conn:
        return question(conn, *args, **kwargs)


# shared options (Typer needs them spelled out per command)
SINCE = typer.Option(None, "--since", help="Only evidence dated on/after this ISO date (YYYY[-MM[-DD]]).")
UNTIL = typer.Option(None, "--until", help="Only evidence dated on/before this ISO date.")
MIN_CONF = typer.Option(0.0, "--min-confidence", help="Drop claims below this extractor confidence (0-1).")
MODALITY = typer.Option(None, "--modality", help="Comma list of asserted,reported,alleged,denied "
                                                 "(default: all but denied).")
MIN_SOURCES = typer.Option(1, "--min-sources", help="Keep ties with at least N independent sources.")


@app.command("links")
def links_command(
    source: str = typer.Argument(..., help="An entity: name, alias or id."),
    target: str = typer.Argument(..., help="Another entity."),
    hops: int = typer.Option(3, "--hops", help="Longest path to look for (1-6)."),
    limit: int = typer.Option(10, "--limit", help="Most paths to show."),
    since: Optional[str] = SINCE, until: Optional[str] = UNTIL, min_confidence: float = MIN_CONF,
    modality: Optional[str] = MODALITY, min_sources: int = MIN_SOURCES,
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """How two entities are linked: direct ties and shortest evidence paths, each hop cited."""
    from linkwatch.analysis.links import links
    from linkwatch.analysis.text import render_links
    _check_format(fmt)
    with reported_errors():
        filters = _filters(since, until, min_confidence, modality, min_sources)
        _emit(_run(db, links, source, target, hops=hops, filters=filters, limit=limit), fmt, render_links)


@app.command("timeline")
def timeline_command(
    name: str = typer.Argument(..., help="An entity: name, alias or id."),
    since: Optional[str] = SINCE, until: Optional[str] = UNTIL, min_confidence: float = MIN_CONF,
    modality: Optional[str] = MODALITY, min_sources: int = MIN_SOURCES,
    limit: int = typer.Option(200, "--limit", help="Events shown, oldest first; the rest are counted as 'more'."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """The dated events of an entity, oldest first (undated events listed apart), a page at a time."""
    from linkwatch.analysis.text import render_timeline
    from linkwatch.analysis.timeline import timeline
    _check_format(fmt)
    with reported_errors():
        filters = _filters(since, until, min_confidence, modality, min_sources)
        _emit(_run(db, timeline, name, filters=filters, limit=limit), fmt, render_timeline)


@app.command("network")
def network_command(
    name: str = typer.Argument(..., help="An entity: name, alias or id."),
    depth: int = typer.Option(2, "--depth", help="Rings around the entity (1-4)."),
    level: str = typer.Option("all", "--level", help="all | organization | person."),
    since: Optional[str] = SINCE, until: Optional[str] = UNTIL, min_confidence: float = MIN_CONF,
    modality: Optional[str] = MODALITY, min_sources: int = MIN_SOURCES,
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """The ego network of an entity, at entity, organisation or person level."""
    from linkwatch.analysis.network import network
    from linkwatch.analysis.text import render_network
    _check_format(fmt)
    with reported_errors():
        filters = _filters(since, until, min_confidence, modality, min_sources)
        _emit(_run(db, network, name, depth=depth, level=level, filters=filters), fmt, render_network)


@app.command("new")
def new_command(
    since: str = typer.Option(..., "--since", help="Links first seen on/after this ISO date."),
    until: Optional[str] = UNTIL,
    by: str = typer.Option("event", "--by", help="event (the events' own dates) or ingest (when stored)."),
    level: str = typer.Option("organization", "--level", help="organization (people stand for their groups) | all."),
    min_confidence: float = MIN_CONF, modality: Optional[str] = MODALITY, min_sources: int = MIN_SOURCES,
    limit: int = typer.Option(200, "--limit", help="Most links to list."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Links first recorded after a date: "first recorded co-presence of X and Y: 2025-02, place"."""
    from linkwatch.analysis.newlinks import new_links
    from linkwatch.analysis.text import render_new
    _check_format(fmt)
    with reported_errors():
        filters = _filters(None, None, min_confidence, modality, min_sources)
        _emit(_run(db, new_links, since=since, until=until, by=by, level=level, filters=filters, limit=limit),
              fmt, render_new)


@app.command("brokers")
def brokers_command(
    top: int = typer.Option(10, "--top", help="How many brokers to list."),
    co_presence_only: bool = typer.Option(False, "--co-presence-only", help="Ignore memberships and fronts."),
    since: Optional[str] = SINCE, until: Optional[str] = UNTIL, min_confidence: float = MIN_CONF,
    modality: Optional[str] = MODALITY,
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("text", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """People and organisations that connect otherwise separate groups (betweenness)."""
    from linkwatch.analysis.brokers import brokers
    from linkwatch.analysis.text import render_brokers
    _check_format(fmt)
    with reported_errors():
        filters = _filters(since, until, min_confidence, modality, 1)
        _emit(_run(db, brokers, top=top, filters=filters, co_presence_only=co_presence_only), fmt, render_brokers)


@app.command("watch")
def watch_command(
    folder: Path = typer.Argument(..., help="Folder to watch for new files."),
    webhook: Optional[str] = typer.Option(None, "--webhook", help="POST each alert (JSON) to this URL."),
    interval: float = typer.Option(5.0, "--interval", help="Seconds between polls."),
    existing: bool = typer.Option(False, "--existing", help="Also ingest the files already there."),
    once: bool = typer.Option(False, "--once", help="One pass, then exit."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
    fmt: str = typer.Option("json", "--format", "-f", help="json (one alert per line, default) or text."),
) -> None:
    """Ingest files as they arrive; alert on new organisation links, watchlist events, conflicts."""
    from linkwatch.analysis import open_kb
    from linkwatch.analysis.text import render_alert
    from linkwatch.analysis.watch import post_webhook, watch_folder
    from linkwatch.kb import ingest_paths
    _check_format(fmt)
    with reported_errors():
        engine = open_kb(db)
        try:
            for alert in watch_folder(folder, engine=engine, ingest=ingest_paths, interval=interval,
                                      existing=existing, once=once):
                typer.echo(json.dumps(alert, ensure_ascii=False, default=str) if fmt == "json"
                           else render_alert(alert))
                sys.stdout.flush()
                if webhook and not post_webhook(webhook, alert):
                    typer.echo(f"Warning: webhook {webhook} did not accept an alert", err=True)
        except KeyboardInterrupt:
            raise typer.Exit(0)


@app.command("brief")
def brief_command(
    name: str = typer.Argument(..., help="An entity: name, alias or id."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the brief here (default: stdout)."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f",
                                      help="html | md | json (default: from the -o suffix, else md)."),
    since: Optional[str] = SINCE, until: Optional[str] = UNTIL, min_confidence: float = MIN_CONF,
    modality: Optional[str] = MODALITY, min_sources: int = MIN_SOURCES,
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """A one-page analyst brief: profile, memberships, timeline chart, network picture, cited evidence."""
    from linkwatch.analysis.brief import brief, render_html, render_markdown
    from linkwatch.export.target import check_writable_file
    if fmt is None:
        fmt = {".html": "html", ".htm": "html", ".json": "json"}.get(output.suffix.lower(), "md") if output else "md"
    _check_format(fmt, ("html", "md", "json"))
    with reported_errors():
        if output:
            check_writable_file(output)
        filters = _filters(since, until, min_confidence, modality, min_sources)
        data = _run(db, brief, name, filters=filters)
        text = {"html": render_html, "md": render_markdown,
                "json": lambda d: json.dumps(d, ensure_ascii=False, indent=1, default=str)}[fmt](data)
        if output:
            output.write_text(text, encoding="utf-8")
            typer.echo(f"Wrote {output}", err=True)
        else:
            typer.echo(text)
