"""Knowledge-base commands: ingest, entities, show, merge, split, undo, watchlist import.

(``export --format reports-jsonl`` lives in ``cli/exports.py`` and calls
``linkwatch.store.iter_reports``.)
"""
from __future__ import annotations

import json
import sys
from typing import List, Optional

import typer

from linkwatch.cli import app
from linkwatch.cli.common import reported_errors

DB_HELP = "Database URL or SQLite file (default: $LINKWATCH_DB or ./linkwatch.db)."

watchlist_app = typer.Typer(help="Reference lists (FollowTheMoney / OpenSanctions entities).", no_args_is_help=True)
app.add_typer(watchlist_app, name="watchlist")


def _engine(db: Optional[str]):
    from linkwatch.store import connect
    return connect(db)


@app.command("ingest")
def ingest(paths: List[str] = typer.Argument(..., help="Files, directories, feeds, URLs or - for stdin."),
           db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
           published: Optional[str] = typer.Option(None, "--published", help="Publication date (YYYY-MM-DD) for undated input."),
           jobs: int = typer.Option(1, "--jobs", "-j", help="Extraction processes."),
           as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON.")) -> None:
    """Read, extract, resolve and store documents into the knowledge base."""
    from linkwatch.kb import ingest_paths
    with reported_errors():
        engine = _engine(db)
        counts: dict[str, int] = {}
        tty = sys.stderr.isatty()

        def progress(status: str, source: str) -> None:
            counts[status] = counts.get(status, 0) + 1
            if tty:
                line = " ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                sys.stderr.write(f"\ringest [{sum(counts.values())} documents] {line} ")
                sys.stderr.flush()
        summary = ingest_paths(paths, db=engine, published=published, jobs=jobs, progress=progress)
        if tty:
            sys.stderr.write("\n")
    if as_json:
        typer.echo(json.dumps(summary, indent=1, default=str))
        return
    typer.echo(f"documents: {summary['new']} new, {summary['changed']} changed, {summary['unchanged']} unchanged, "
               f"{summary['failed']} failed")
    for failure in summary["failures"]:
        typer.echo(f"  failed: {failure}", err=True)
    typer.echo(f"knowledge base: {summary['documents']} documents, {summary['kb_entities']} entities, "
               f"{summary['kb_events']} events; merges this run: {summary.get('entity_merges', 0)} entity, "
               f"{summary.get('event_merges', 0)} event")


@app.command("entities")
def entities(type: Optional[str] = typer.Option(None, "--type", help="person, organization or location."),
             search: Optional[str] = typer.Option(None, "--search", help="Part of a name."),
             limit: int = typer.Option(50, "--limit"),
             db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """List knowledge-base entities, most-reported first."""
    from linkwatch.store.query import list_entities
    with reported_errors():
        rows = list_entities(_engine(db), type=type, search=search, limit=limit)
    if as_json:
        typer.echo(json.dumps(rows, indent=1, default=str))
        return
    for r in rows:
        mark = " [watchlisted]" if r["watchlisted"] else ""
        typer.echo(f"{r['kb_id']:28} {r['type']:12} {r['name']}  ({r['documents']} docs, {r['sources']} sources){mark}")


@app.command("show")
def show(name: str = typer.Argument(..., help="A name (any spelling) or a kb id."),
         db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """Aliases, memberships, dated events, sources and confidence of one entity."""
    from linkwatch.store.query import show_entity
    with reported_errors():
        info = show_entity(_engine(db), name)
    if as_json:
        typer.echo(json.dumps(info, indent=1, default=str))
        return
    typer.echo(f"{info['name']}  [{info['type']}]  {info['kb_id']}")
    if info["aliases"]:
        typer.echo("  aliases: " + ", ".join(info["aliases"]))
    typer.echo(f"  reported in {info['documents']} documents ({info['sources']} independent sources)")
    for w in info["watchlists"]:
        typer.echo(f"  WATCHLISTED: {w.get('list')}" + (f" as {w['name']}" if w.get("name") else ""))
    for r in info["relations"]:
        arrow = "→" if r["direction"] == "out" else "←"
        roles = f" ({', '.join(r['roles'])})" if r["roles"] else ""
        typer.echo(f"  {arrow} {r['predicate']} {r['other_name'] or r['other']}{roles} "
                   f"[{', '.join(r['modalities']) or 'asserted'}] sources: {', '.join(r['sources'])}")
    for e in info["events"]:
        when = e["time_value"] or ("conflict: " + " / ".join(e["time_conflict"]) if e["time_conflict"] else "undated")
        where = f" in {e['location_name']}" if e.get("location_name") else ""
        typer.echo(f"  {when:12} {e['type']}{where}  confidence {e['confidence']:.2f}, "
                   f"{e['sources_count'] if 'sources_count' in e else len(e['sources'])} reports: {', '.join(e['sources'])}")
        for c in e.get("conflicts") or ():
            values = " / ".join(f"{v.get('name') or v['value']} ({', '.join(v['documents'])})" for v in c["values"])
            typer.echo(f"      conflict: {c['field']} {values}")
    for j in info["judgements"]:
        state = "retracted" if j["retracted_at"] else "active"
        typer.echo(f"  judgement #{j['id']}: {j['judgement']} {j['left_id']} {j['right_id']} ({state})")


@app.command("merge")
def merge(left: str, right: str, db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
          event: bool = typer.Option(False, "--event", help="The ids are events."),
          note: Optional[str] = typer.Option(None, "--note")) -> None:
    """Judge two kb ids the same (reversible with `undo`)."""
    from linkwatch.kb import merge as run
    with reported_errors():
        out = run(left, right, db=_engine(db), kind="event" if event else "entity", note=note)
    typer.echo(f"judgement #{out['judgement']}: {left} = {right}; {out['entities']} entities, {out['events']} events")


@app.command("split")
def split(left: str, right: str, db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
          event: bool = typer.Option(False, "--event", help="The ids are events."),
          note: Optional[str] = typer.Option(None, "--note")) -> None:
    """Judge two items (record or kb ids) not the same (reversible with `undo`)."""
    from linkwatch.kb import split as run
    with reported_errors():
        out = run(left, right, db=_engine(db), kind="event" if event else "entity", note=note)
    typer.echo(f"judgement #{out['judgement']}: {left} ≠ {right}; {out['entities']} entities, {out['events']} events")


@app.command("undo")
def undo(judgement: int = typer.Argument(..., help="The judgement number merge/split printed."),
         db: Optional[str] = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Retract an analyst's merge or split."""
    from linkwatch.kb import undo as run
    with reported_errors():
        out = run(judgement, db=_engine(db))
    typer.echo(f"retracted #{judgement}; {out['entities']} entities, {out['events']} events")


@watchlist_app.command("import")
def watchlist_import(path: str, list_name: Optional[str] = typer.Option(None, "--list", help="List name (default: file stem)."),
                     db: Optional[str] = typer.Option(None, "--db", help=DB_HELP)) -> None:
    """Import FollowTheMoney entities (JSON lines or array) as a watchlist."""
    from linkwatch.kb import import_watchlist
    with reported_errors():
        out = import_watchlist(path, db=_engine(db), list_name=list_name)
    typer.echo(f"watchlist {out['list']}: {out['entities']} entities, {out['names']} names")
