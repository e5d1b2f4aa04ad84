"""The command line: every command has --help; `extract` renders text, json and jsonl."""
from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from linkwatch.cli import app
from test_extract_contract import assert_report_ok, nlp, report_validator  # noqa: F401  (fixtures)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "reports"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield prefix + (name,)
        if isinstance(command, click.Group):
            yield from _commands(command, prefix + (name,))


COMMANDS = list(_commands(typer.main.get_command(app)))


def test_the_extract_command_is_registered():
    assert ("extract",) in COMMANDS


def test_top_level_help_lists_every_command():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for (name,) in [c for c in COMMANDS if len(c) == 1]:
        assert name in result.stdout


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_every_command_has_help(command):
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout and " ".join(command) in result.stdout
    body = result.stdout.split("Usage:", 1)[1]
    assert len(body.strip().splitlines()) > 2, f"{command}: no description or options in --help"


def test_format_text_renders(nlp):
    result = CliRunner().invoke(app, ["extract", str(FIXTURES / "a_meeting.txt"), "--format", "text"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("== a_meeting  (date unknown; ")
    assert "Entities" in out and "Naji Zaheer" in out
    assert not out.lstrip().startswith("{")


def test_format_json_for_one_file_is_one_object(nlp, report_validator):
    path = FIXTURES / "a_meeting.txt"
    result = CliRunner().invoke(app, ["extract", str(path), "--format", "json", "--published", "2024-03-05"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert isinstance(report, dict)
    assert report["document"]["published"] == "2024-03-05"
    assert_report_ok(report, path.read_text(encoding="utf-8"), report_validator)


def test_format_json_for_several_documents_is_a_list(nlp):
    result = CliRunner().invoke(app, ["extract", str(FIXTURES / "d_list.json"), "--format", "json"])
    assert result.exit_code == 0, result.output
    reports = json.loads(result.stdout)
    assert [r["document"]["id"] for r in reports] == ["d-list-1", "d-list-2"]


def test_format_jsonl_is_the_default_off_a_terminal(nlp):
    result = CliRunner().invoke(app, ["extract", str(FIXTURES / "e_lines.jsonl")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [json.loads(line)["document"]["id"] for line in lines] == ["e-1", "e-2"]


def test_output_file(nlp, tmp_path):
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["extract", str(FIXTURES / "e_lines.jsonl"), "--format", "jsonl", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert [json.loads(line)["document"]["id"] for line in out.read_text().splitlines()] == ["e-1", "e-2"]


def test_unknown_format_exits_2():
    result = CliRunner().invoke(app, ["extract", str(FIXTURES / "a_meeting.txt"), "--format", "xml"])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: unknown format 'xml'")
    assert result.stdout == ""


def test_jobs_below_one_is_a_usage_error():
    result = CliRunner().invoke(app, ["extract", str(FIXTURES / "a_meeting.txt"), "--jobs", "0"])
    assert result.exit_code == 2


def test_missing_path_is_named_and_exits_non_zero(tmp_path):
    result = CliRunner().invoke(app, ["extract", str(tmp_path / "missing.txt")])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'missing.txt'}: cannot read")
