"""Shared helpers for CLI commands: the one place errors become `Error: …`."""
from __future__ import annotations

import sys
from contextlib import contextmanager

import typer

from linkwatch.errors import Ambiguous, LinkwatchError, LookupFailed


def fail(message: str, code: int = 1) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


@contextmanager
def reported_errors():
    """Translate library errors into one line on stderr and a non-zero exit."""
    try:
        yield
    except Ambiguous as exc:
        extra = "\n".join(f"  - {c}" for c in exc.suggestions)
        fail(f"{exc.message}; candidates:\n{extra}" if extra else exc.message)
    except LookupFailed as exc:
        hint = f" (did you mean: {', '.join(exc.suggestions)}?)" if exc.suggestions else ""
        fail(exc.message + hint)
    except LinkwatchError as exc:
        fail(str(exc))
    except BrokenPipeError:
        sys.stderr.close()
        raise typer.Exit(0)
