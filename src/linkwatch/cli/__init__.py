"""Thin Typer commands over the library. Each module registers its commands on ``app``.

Errors are reported once, here: ``Error: …`` on stderr, non-zero exit, no traceback.
"""
from __future__ import annotations

import importlib
import logging

import typer

from linkwatch.settings import get_settings

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="linkwatch: evidence-backed, time-aware graphs of militant networks from news reports.")

# command modules, in the order `--help` lists them; a module that is missing is skipped
COMMAND_MODULES = ("extract", "kb", "analysis", "exports", "serve")


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr.")) -> None:
    level = logging.INFO if verbose else getattr(logging, get_settings().log_level.upper(), logging.WARNING)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


for _name in COMMAND_MODULES:
    try:
        importlib.import_module(f"linkwatch.cli.{_name}")
    except ModuleNotFoundError as exc:  # a command family not built yet
        if exc.name != f"linkwatch.cli.{_name}":
            raise


def command_paths() -> list[tuple[str, ...]]:
    """Every command as its words ("extract",), ("watchlist", "import"), for docs and tests."""
    from typer.main import get_command

    def walk(group, prefix=()):
        for name, cmd in sorted(group.commands.items()):
            path = (*prefix, name)
            if hasattr(cmd, "commands"):
                yield from walk(cmd, path)
            else:
                yield path

    return list(walk(get_command(app)))
