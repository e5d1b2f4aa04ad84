"""`linkwatch serve`: the JSON API and the HTML pages over the knowledge base."""
from __future__ import annotations

from typing import Optional

import typer

from linkwatch.cli import app
from linkwatch.cli.common import reported_errors

DB_HELP = "Knowledge base: SQLAlchemy URL or SQLite file (default: $LINKWATCH_DB or linkwatch.db)."


@app.command("serve")
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    db: Optional[str] = typer.Option(None, "--db", help=DB_HELP),
) -> None:
    """Serve the REST API (/api/...) and the web pages (each with a JSON twin)."""
    import uvicorn

    from linkwatch.api import create_app
    with reported_errors():
        application = create_app(db)
        _ = application.state.kb.engine  # open (and index) the store now: a bad --db fails here, not per request
    uvicorn.run(application, host=host, port=port, log_level="info")
