"""The REST API and the web pages, through FastAPI's TestClient (no server, no network)."""
from __future__ import annotations

import warnings
from html import escape

import pytest

from test_analysis_kb import build_kb

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from linkwatch.api import create_app
    from linkwatch.store import connect
    path = tmp_path_factory.mktemp("api") / "kb.db"
    build_kb(connect(str(path)))
    return TestClient(create_app(str(path)))


@pytest.mark.parametrize("url,key", [
    ("/api/entities", "entities"),
    ("/api/entities/omar-idris", "relations"),
    ("/api/links?a=Alpha%20Front&b=Beta%20Army", "paths"),
    ("/api/timeline/Omar%20Idris", "events"),
    ("/api/network/Alpha%20Front?level=organization", "edges"),
    ("/api/new?since=2025-01-01", "links"),
    ("/api/brokers?top=3", "brokers"),
    ("/api/brief/Omar%20Idris", "key_evidence"),
])
def test_json_routes(client, url, key):
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert key in response.json()


def test_json_matches_the_library(client):
    data = client.get("/api/links?a=AF&b=BA").json()
    assert [e["name"] for e in data["paths"][0]["entities"]] == ["Alpha Front", "Omar Idris", "Beta Army"]


@pytest.mark.parametrize("url,status,code", [
    ("/api/timeline/Alpha%20Frnt", 404, "E_NOT_FOUND"),
    ("/api/links?a=AF&b=BA&since=yesterday", 400, "E_FILTER"),
    ("/api/network/AF?level=galaxy", 400, "E_LINKWATCH"),
])
def test_one_error_shape(client, url, status, code):
    response = client.get(url)
    assert response.status_code == status
    body = response.json()["error"]
    assert body["code"] == code and body["message"]
    if code == "E_NOT_FOUND":
        assert body["suggestions"] == ["Alpha Front"]


@pytest.mark.parametrize("page,twin", [
    ("/", "/api/entities"),
    ("/entity/omar-idris", "/api/entities/omar-idris"),
    ("/links?a=AF&b=BA", "/api/links?a=AF&b=BA"),
    ("/timeline/Omar%20Idris", "/api/timeline/Omar%20Idris"),
    ("/network/AF", "/api/network/AF"),
    ("/new?since=2025-01-01", "/api/new?since=2025-01-01"),
    ("/brokers", "/api/brokers"),
    ("/brief/AF", "/api/brief/AF"),
])
def test_pages_have_json_twins(client, page, twin):
    response = client.get(page)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert f'<link rel="alternate" type="application/json" href="{escape(twin)}">' in html
    assert client.get(twin).status_code == 200
    assert "http://" not in html and "https://cdn" not in html  # nothing from outside the package


def test_page_errors_are_pages(client):
    response = client.get("/timeline/Alpha%20Frnt")
    assert response.status_code == 404 and "Did you mean" in response.text and "Alpha Front" in response.text


def test_brief_page_and_static(client):
    assert "<svg" in client.get("/brief/Omar%20Idris").text
    assert client.get("/static/style.css").status_code == 200
