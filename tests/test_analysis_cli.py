"""The analysis and export commands, end to end over a fixture knowledge base file."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from linkwatch.cli import app

from test_analysis_kb import build_kb

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    from linkwatch.store import connect
    path = tmp_path_factory.mktemp("kb") / "kb.db"
    build_kb(connect(str(path)))
    return str(path)


def run(*args):
    return runner.invoke(app, [*args])


@pytest.mark.parametrize("args", [
    ("links", "Alpha Front", "Beta Army"),
    ("timeline", "Omar Idris"),
    ("network", "Alpha Front", "--depth", "2"),
    ("new", "--since", "2025-01-01"),
    ("brokers", "--top", "3"),
])
def test_commands_text_and_json(db, args):
    text = run(*args, "--db", db)
    assert text.exit_code == 0, text.output
    as_json = run(*args, "--db", db, "--format", "json")
    assert as_json.exit_code == 0, as_json.output
    assert isinstance(json.loads(as_json.output), dict)


def test_links_text_cites(db):
    out = run("links", "Alpha Front", "Beta Army", "--db", db).output
    assert "Path 1 (2 hops): Alpha Front — Omar Idris — Beta Army" in out
    assert "Hill Province" in out and "Daily Example" in out


def test_unknown_entity_did_you_mean(db):
    result = run("timeline", "Alpha Frnt", "--db", db)
    assert result.exit_code == 1
    assert "did you mean: Alpha Front" in result.output and "Traceback" not in result.output


def test_bad_filter_is_one_error_line(db):
    result = run("links", "Alpha Front", "Beta Army", "--since", "yesterday", "--db", db)
    assert result.exit_code == 1 and result.output.startswith("Error:")


def test_brief_html_and_md(db, tmp_path):
    out = tmp_path / "brief.html"
    assert run("brief", "Omar Idris", "-o", str(out), "--db", db).exit_code == 0
    assert out.read_text().startswith("<!doctype html>")
    md = run("brief", "Omar Idris", "--format", "md", "--db", db)
    assert md.exit_code == 0 and md.output.startswith("# Omar Idris")


@pytest.mark.parametrize("fmt,name", [("stix", "b.json"), ("ftm", "e.ftm.json"), ("graphml", "g.graphml"),
                                      ("gexf", "g.gexf"), ("csv", "out"), ("reports-jsonl", "r.jsonl")])
def test_export_command(db, tmp_path, fmt, name):
    result = run("export", "--format", fmt, "-o", str(tmp_path / name), "--db", db)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).exists()


def test_export_to_unwritable_path_fails_before_work(tmp_path):
    # the database does not even exist: the path check comes first
    result = run("export", "--format", "stix", "-o", str(tmp_path / "no" / "such" / "b.json"),
                 "--db", str(tmp_path / "absent.db"))
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not (tmp_path / "absent.db").exists()


def test_watch_once_emits_alerts(db, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    result = run("watch", str(inbox), "--once", "--db", db)
    assert result.exit_code == 0 and result.output == ""


def test_every_command_has_help():
    for command in ("links", "timeline", "network", "new", "brokers", "watch", "brief", "export", "serve"):
        result = run(command, "--help")
        assert result.exit_code == 0, command
