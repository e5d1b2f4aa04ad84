"""The analysis questions over a small invented knowledge base (see test_analysis_kb)."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from linkwatch.analysis import Filters
from linkwatch.analysis.alerts import alerts_for_documents
from linkwatch.analysis.brief import brief, render_html, render_markdown
from linkwatch.analysis.brokers import brokers
from linkwatch.analysis.dates import after, overlaps, period, sort_key
from linkwatch.analysis.filters import BadFilter
from linkwatch.analysis.links import links
from linkwatch.analysis.lookup import find_entity
from linkwatch.analysis.network import network
from linkwatch.analysis.newlinks import new_links
from linkwatch.analysis.timeline import timeline
from linkwatch.errors import Ambiguous, LookupFailed

from test_analysis_kb import kb_engine  # noqa: F401  (fixture)


@pytest.fixture()
def conn(kb_engine):  # noqa: F811
    with kb_engine.connect() as connection:
        yield connection


def names(path: dict) -> list[str]:
    return [e["name"] for e in path["entities"]]


# --- look-up -----------------------------------------------------------------------------------

def test_lookup_by_name_alias_id_and_case(conn):
    assert find_entity(conn, "Alpha Front")["id"] == "alpha-front"
    assert find_entity(conn, "alpha front")["id"] == "alpha-front"
    assert find_entity(conn, "AF")["id"] == "alpha-front"
    assert find_entity(conn, "beta-army")["name"] == "Beta Army"


def test_unknown_name_suggests(conn):
    with pytest.raises(LookupFailed) as err:
        find_entity(conn, "Alpha Frnt")
    assert "Alpha Front" in err.value.suggestions


def test_ambiguous_name_lists_candidates(kb_engine):  # noqa: F811
    from sqlalchemy import insert
    from linkwatch.store.schema import kb_entities
    with kb_engine.begin() as c:
        c.execute(insert(kb_entities), [{"kb_id": "alpha-front-2", "type": "organization", "name": "Alpha Front",
                                         "aliases": [], "documents": 1, "sources": 1}])
    with kb_engine.connect() as c, pytest.raises(Ambiguous) as err:
        find_entity(c, "Alpha Front")
    assert len(err.value.suggestions) == 2 and all("Alpha Front" in s for s in err.value.suggestions)


# --- links -------------------------------------------------------------------------------------

def test_links_finds_cited_paths(conn):
    result = links(conn, "Alpha Front", "Beta Army", hops=3)
    paths = [names(p) for p in result["paths"]]
    assert paths[0] == ["Alpha Front", "Omar Idris", "Beta Army"]
    assert ["Alpha Front", "Omar Idris", "Karim Basri", "Beta Army"] in paths
    hop = result["paths"][0]["steps"][1]["ties"][0]
    assert hop["kind"] == "co_presence" and hop["place"] == "Hill Province" and hop["date"] == "2025-02-05"
    assert hop["sources"] == 1 and hop["evidence"][0]["quote"]  # only doc-a puts both at the rally
    member = result["paths"][0]["steps"][0]["ties"][0]
    assert member["kind"] == "member_of" and member["subject"] == "omar-idris" and member["sources"] == 2
    assert member["evidence"][0]["modality"] == "asserted"  # the outlet's own statement first


def test_links_respects_hops_and_filters(conn):
    assert links(conn, "Alpha Front", "Beta Army", hops=1)["paths"] == []
    # with the undated Northtown meeting filtered out by a date window, the Basri path goes
    dated = links(conn, "Alpha Front", "Beta Army", filters=Filters(since="2025-01-01"))
    assert ["Alpha Front", "Omar Idris", "Karim Basri", "Beta Army"] not in [names(p) for p in dated["paths"]]
    two = links(conn, "Alpha Front", "Delta Group", filters=Filters(min_sources=2))
    assert [names(p) for p in two["paths"]] == [["Alpha Front", "Omar Idris", "Delta Group"]]


def test_denied_ties_are_not_links_unless_asked(conn):
    result = links(conn, "Gamma League", "Beta Army", hops=1)
    assert [h["modality"] for h in result["direct"] if h["kind"] == "front_of"] == [["alleged"]]
    only_denied = links(conn, "Gamma League", "Beta Army", hops=1, filters=Filters.parse(modality="denied"))
    assert [h["modality"] for h in only_denied["direct"]] == [["denied"]]


def test_links_no_path(conn):
    result = links(conn, "Epsilon Party", "Omar Idrees", hops=2)
    assert result["paths"] == [] and result["direct"] == []


# --- timeline ----------------------------------------------------------------------------------

def test_timeline_orders_dated_and_sets_undated_apart(conn):
    result = timeline(conn, "Omar Idris")
    assert [e["date"] for e in result["events"]] == ["2023-10-14", "2023-10-29", "2025-02-05"]
    assert [(e["type"], e["place"]) for e in result["undated"]] == [("meeting", "Northtown")]
    rally = result["events"][-1]
    assert {w["name"] for w in rally["with"]} == {"Beta Army", "Delta Group"} and rally["sources"] == 2
    assert result["events"][1]["name"] == "Sea Storm"


def test_timeline_pages(conn):
    """A page is the head of the full timeline (dated first, then undated); ``more`` counts the rest."""
    full = timeline(conn, "Omar Idris", limit=None)
    assert full["more"] == 0 and timeline(conn, "Omar Idris") == full
    everything = full["events"] + full["undated"]
    for limit in range(1, len(everything) + 1):
        page = timeline(conn, "Omar Idris", limit=limit)
        assert page["events"] + page["undated"] == everything[:limit]
        assert page["more"] == len(everything) - limit
    assert timeline(conn, "Idris", limit=1, filters=Filters(since="2024"))["more"] == 0


def test_timeline_filters(conn):
    assert [e["date"] for e in timeline(conn, "Idris", filters=Filters(since="2024"))["events"]] == ["2025-02-05"]
    assert timeline(conn, "Idris", filters=Filters(since="2024"))["undated"] == []


# --- network, new, brokers ---------------------------------------------------------------------

def test_network_levels(conn):
    full = network(conn, "Alpha Front", depth=2)
    assert {n["name"] for n in full["nodes"] if n["distance"] == 1} == {"Omar Idris"}
    orgs = network(conn, "Alpha Front", depth=1, level="organization")
    edge = next(e for e in orgs["edges"] if {e["source"]["name"], e["target"]["name"]} == {"Alpha Front", "Beta Army"})
    assert "Omar Idris" in [v["name"] for v in edge["via"]] and edge["first"] == "2025-02-05"
    assert all(n["type"] == "organization" for n in orgs["nodes"])


def test_new_links_by_event_date(conn):
    result = new_links(conn, since="2025-01-01")
    summaries = [l["summary"] for l in result["links"]]
    assert "first recorded co-presence of Alpha Front and Beta Army: 2025-02-05, Hill Province" in summaries
    assert new_links(conn, since="2025-03-01")["links"] == []


def test_new_links_skip_pairs_seen_before(conn):
    # Idris met Tahir (Epsilon Party) in 2023: Alpha Front–Epsilon Party is not new in 2025
    pairs = {(l["a"]["name"], l["b"]["name"]) for l in new_links(conn, since="2023-01-01")["links"]}
    assert ("Alpha Front", "Epsilon Party") in pairs
    pairs = {(l["a"]["name"], l["b"]["name"]) for l in new_links(conn, since="2025-01-01")["links"]}
    assert ("Alpha Front", "Epsilon Party") not in pairs


def test_new_links_by_ingest(conn):
    result = new_links(conn, since="2025-03-12", by="ingest", level="all")
    assert result["links"] and all(l["first_seen"] >= "2025-03-12" for l in result["links"])


def test_brokers(conn):
    result = brokers(conn, top=3)
    top = result["brokers"][0]
    assert top["entity"]["name"] == "Omar Idris" and len(top["groups"]) >= 2


# --- alerts and brief --------------------------------------------------------------------------

def test_alerts_for_new_documents(conn):
    alerts = alerts_for_documents(conn, ["doc-a"])
    kinds = {a["type"] for a in alerts}
    assert kinds == {"new_link", "watchlist_event", "conflict"}
    new = {(a["a"]["name"], a["b"]["name"]) for a in alerts if a["type"] == "new_link"}
    assert ("Alpha Front", "Beta Army") in new
    assert ("Alpha Front", "Delta Group") not in new  # doc-b reports that rally too


def test_brief_renders(conn):
    data = brief(conn, "Omar Idris")
    html = render_html(data)
    assert "<svg" in html and "Sea Storm" in html and "http" not in html.split("<body>")[0]
    md = render_markdown(data)
    assert md.startswith("# Omar Idris") and "member_of Alpha Front" in md


# --- filters and dates -------------------------------------------------------------------------

def test_filter_parse_rejects_bad_values():
    with pytest.raises(BadFilter):
        Filters.parse(since="last week")
    with pytest.raises(BadFilter):
        Filters.parse(modality="rumoured")


def test_periods():
    assert period("2023-11") == ("2023-11-01", "2023-11-30")
    assert period("2024-02") == ("2024-02-01", "2024-02-29")
    assert after("2025-02", "2025-01-01") and after("2025", "2025-01-01") and not after("2025", "2025-01-02")
    assert overlaps("2025", since="2025-06-01") and not overlaps(None, since="2020")
    assert sort_key("2023-10") < sort_key("2023-10-14") < sort_key("2023-11") < sort_key(None)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_period_never_crashes(value):
    result = period(value)
    assert result is None or result[0] <= result[1]
