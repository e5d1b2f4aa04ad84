"""`linkwatch extract`: documents in, one report per document out."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from linkwatch.cli import app
from linkwatch.cli.common import reported_errors
from linkwatch.cli.render import render_report


@app.command("extract")
def extract(
    paths: list[str] = typer.Argument(..., help="Files, directories (recursively, in name order), URLs, or - for stdin."),
    published: str = typer.Option(None, "--published", help="Publication date (YYYY-MM-DD) for every document."),
    fmt: str = typer.Option(None, "--format", "-f", help="json | jsonl | text (default: text on a terminal, else jsonl)."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Worker processes."),
    output: Path = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
) -> None:
    """Extract entities, ties and dated events from news reports (one report per document)."""
    from linkwatch.ingest import read_paths
    from linkwatch.model.records import Failure
    from linkwatch.pipeline import extract_articles

    fmt = fmt or ("text" if sys.stdout.isatty() and output is None else "jsonl")
    if fmt not in {"json", "jsonl", "text"}:
        typer.echo(f"Error: unknown format {fmt!r} (json, jsonl, text)", err=True)
        raise typer.Exit(2)
    failed = 0
    with reported_errors():
        out = output.open("w", encoding="utf-8") if output else sys.stdout
        reports = []
        for item in extract_articles(read_paths(paths, published=published), jobs=jobs):
            if isinstance(item, Failure):
                failed += 1
                typer.echo(f"Error: {item}", err=True)
                continue
            if fmt == "jsonl":
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
            elif fmt == "text":
                out.write(render_report(item) + "\n")
            else:
                reports.append(item)
        if fmt == "json":
            payload = reports[0] if len(reports) == 1 else reports
            out.write(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
        if output:
            out.close()
    if failed:
        raise typer.Exit(1)
