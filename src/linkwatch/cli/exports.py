"""`linkwatch export`: the knowledge base in the formats analysts' tools read.

The one ``export`` command: stix, ftm, graphml, gexf, csv, and reports-jsonl
(the stored per-document reports, via ``linkwatch.store.iter_reports``).
The destination is checked before any work is done.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from linkwatch.cli import app
from linkwatch.cli.common import fail, reported_errors

DB_HELP = "Knowledge base: SQLAlchemy URL or SQLite file (default: $LINKWATCH_DB or linkwatch.db)."


@app.command("export")
def export_command(
    fmt: str = typer.Option(..., "--format", "-f",
                            help="stix | ftm | graphml | gexf | csv (a folder) | reports-jsonl."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write (a folder for csv)."),
    since: Optional[str] = typer.Option(None, "--since", help="reports-jsonl: documents ingested on/after."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Export the knowledge base: STIX 2.1, FollowTheMoney, GraphML/GEXF, CSV or stored reports."""
    from linkwatch.export import FORMATS, export, write_reports_jsonl
    from linkwatch.export.target import check_writable_dir, check_writable_file

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r} ({', '.join(FORMATS)})", code=2)
    with reported_errors():
        if fmt == "csv":
            check_writable_dir(output)
        else:
            check_writable_file(output)
        from linkwatch.store import connect, iter_reports
        engine = connect(db)
        if fmt == "reports-jsonl":
            summary = write_reports_jsonl(iter_reports(engine, since=since), output)
        else:
            from linkwatch.export.records import iter_records
            from linkwatch.store.db import reading
            with reading(engine, "read the knowledge base") as conn:
                summary = export(iter_records(conn), fmt, output)
        typer.echo(json.dumps(summary, ensure_ascii=False), err=True)
