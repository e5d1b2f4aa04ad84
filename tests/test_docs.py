"""Docs are tested: every command has --help and an entry in docs/usage.md; the README's commands exist."""
from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from linkwatch.cli import app, command_paths

ROOT = Path(__file__).resolve().parents[1]


COMMANDS = command_paths()


def test_every_command_has_help_and_a_docs_entry():
    usage = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    runner = CliRunner()
    assert len(COMMANDS) >= 15
    for path in COMMANDS:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert f"## linkwatch {' '.join(path)}\n" in usage, f"docs/usage.md lacks `linkwatch {' '.join(path)}`"


def test_readme_mentions_only_real_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    names = {p[0] for p in COMMANDS}
    used = set(re.findall(r"linkwatch (\w[\w-]*)", readme)) - {"extract", "ingest"} | {"extract", "ingest"}
    assert used <= names | {"command"}, used - names
    assert "make run" in readme and "make test" in readme
