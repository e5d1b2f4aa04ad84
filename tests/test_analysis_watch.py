"""`watch`: files arrive, get ingested, and alerts come out (and go to a webhook)."""
from __future__ import annotations

import http.server
import json
import threading

import pytest

from linkwatch.analysis.watch import post_webhook, watch_folder


def report(doc_id: str, orgs: list[str], person: str, member_of: str, date: str | None) -> dict:
    """A tiny contract-shaped report: one person (member of a group) at a gathering with other groups."""
    text = f"{person}, a {member_of} commander, spoke at a rally with " + " and ".join(orgs) + "."
    entities = [{"id": "E1", "name": person, "type": "person", "aliases": [], "mentions": []},
                {"id": "E2", "name": member_of, "type": "organization", "aliases": [], "mentions": []}]
    entities += [{"id": f"E{i}", "name": o, "type": "organization", "aliases": [], "mentions": []}
                 for i, o in enumerate(orgs, 3)]
    quote = [{"start": 0, "end": len(text), "text": text}]
    return {"document": {"id": doc_id, "title": doc_id, "published": "2025-03-01", "source": f"{doc_id}.txt",
                         "language": "en", "outlet": "Test Wire", "url": None},
            "entities": entities,
            "relations": [{"subject": "E1", "predicate": "member_of", "object": "E2", "role": "commander",
                           "modality": "asserted", "time": None, "confidence": 0.9, "evidence": quote}],
            "events": [{"id": "V1", "type": "gathering", "name": None,
                        "participants": [{"entity": "E1", "role": None}] +
                                        [{"entity": f"E{i}", "role": None} for i in range(3, 3 + len(orgs))],
                        "organizer": None, "location": None, "time": {"value": date, "text": date},
                        "modality": "asserted", "confidence": 0.8, "evidence": quote}]}


@pytest.fixture()
def engine(tmp_path):
    from linkwatch.analysis import open_kb
    return open_kb(str(tmp_path / "kb.db"))


def fake_ingest(reports: dict):
    """An ingest function for the watcher: writes the report prepared for each file name."""
    from linkwatch.store import resolve_store
    from linkwatch.store.db import writing
    from linkwatch.store.write import write_report

    def ingest(paths, *, db):
        for path in paths:
            with writing(db, "store a test report") as conn:
                write_report(conn, reports[path.rsplit("/", 1)[-1]])
        resolve_store(db)
    return ingest


def test_watch_alerts_on_new_organisation_links(engine, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "old.txt").write_text("x")
    reports = {"old.txt": report("old", ["Gamma Group"], "Sami Rahal", "Alpha Movement", "2024-05"),
               "new.txt": report("new", ["Gamma Group", "Delta Brigade"], "Sami Rahal", "Alpha Movement", "2025-02")}
    ingest = fake_ingest(reports)
    first = list(watch_folder(inbox, engine=engine, ingest=ingest, existing=True, once=True))
    assert {frozenset((a["a"]["name"], a["b"]["name"])) for a in first if a["type"] == "new_link"} == \
        {frozenset(("Alpha Movement", "Gamma Group"))}
    (inbox / "new.txt").write_text("y")
    watcher = watch_folder(inbox, engine=engine, ingest=ingest, once=True)
    assert list(watcher) == []  # nothing arrived since the watcher started
    class Enough(Exception):
        pass

    def sleep(_seconds):  # the watcher polls forever: stop it after its first sleep
        raise Enough

    watcher = watch_folder(inbox, engine=engine, ingest=ingest, sleep=sleep)
    (inbox / "new.txt").write_text("changed")
    alerts = []
    with pytest.raises(Enough):
        for alert in watcher:
            alerts.append(alert)
    pairs = {frozenset((a["a"]["name"], a["b"]["name"])) for a in alerts if a["type"] == "new_link"}
    assert frozenset(("Alpha Movement", "Delta Brigade")) in pairs
    assert frozenset(("Alpha Movement", "Gamma Group")) not in pairs  # known from the old report


def test_watch_rejects_a_file(tmp_path, engine):
    from linkwatch.errors import InputError
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError):
        list(watch_folder(tmp_path / "f", engine=engine, ingest=lambda *a, **k: None, once=True))


def test_webhook_posts_json():
    received = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    assert post_webhook(f"http://127.0.0.1:{server.server_port}/hook", {"type": "new_link"})
    thread.join(5)
    server.server_close()
    assert received == [{"type": "new_link"}]
    assert not post_webhook("http://127.0.0.1:9/nothing", {"type": "x"}, timeout=1)
