"""Every exporter, checked by its ecosystem's own library (stix2, followthemoney, networkx)."""
from __future__ import annotations

import csv
import json
import os

import networkx as nx
import pytest

from linkwatch.errors import ExportError
from linkwatch.export import FORMATS, export
from linkwatch.export.records import iter_records
from linkwatch.export.target import check_writable_dir, check_writable_file

from test_analysis_kb import kb_engine  # noqa: F401  (fixture)

FILE_FORMATS = ("stix", "ftm", "graphml", "gexf")


@pytest.fixture()
def records(kb_engine):  # noqa: F811
    with kb_engine.connect() as conn:
        return list(iter_records(conn))


def test_records_shape(records):
    kinds = [r["kind"] for r in records]
    assert kinds == sorted(kinds, key=["document", "entity", "relation", "event"].index)
    rel = next(r for r in records if r["kind"] == "relation" and r["predicate"] == "front_of")
    assert rel["modality"] == ["alleged", "denied"] and rel["sources"] == 2 and rel["evidence"]
    rally = next(r for r in records if r["kind"] == "event" and r["id"] == "ev-hill-rally")
    assert rally["place"] == "hill-province" and rally["sources"] == 2
    assert {p["entity"] for p in rally["participants"]} == {"omar-idris", "beta-army", "delta-group"}


def test_stix_bundle_parses_and_validates(records, tmp_path):
    import stix2
    path = tmp_path / "bundle.json"
    summary = export(records, "stix", path)
    bundle = stix2.parse(path.read_text(), allow_custom=False)
    types = {o.type for o in bundle.objects}
    assert {"threat-actor", "identity", "location", "relationship", "note", "report"} <= types
    rel = next(o for o in bundle.objects if o.type == "relationship" and o.relationship_type == "member-of")
    assert rel.confidence and rel.external_references[0].external_id.startswith("doc-")
    assert summary["objects"] == len(bundle.objects)
    validator = pytest.importorskip("stix2validator")
    result = validator.validate_file(str(path))
    assert result.is_valid, [str(e) for o in result.object_results for e in o.errors]


def test_ftm_entities_load_through_the_model(records, tmp_path):
    from followthemoney import model
    path = tmp_path / "entities.ftm.json"
    export(records, "ftm", path)
    proxies = [model.get_proxy(json.loads(line)) for line in path.read_text().splitlines()]
    by_schema = {}
    for p in proxies:
        by_schema.setdefault(p.schema.name, []).append(p)
    assert {"Person", "Organization", "Membership", "Event", "Article", "Address"} <= set(by_schema)
    ids = {p.id for p in proxies}
    for p in proxies:  # every reference resolves inside the export
        for prop, value in p.to_dict()["properties"].items():
            if p.schema.get(prop).type.name == "entity":
                assert set(value) <= ids, (p.schema.name, prop)
    member = next(m for m in by_schema["Membership"] if "senior commander" in m.get("role"))
    assert member.get("proof")


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graph_formats_round_trip(records, tmp_path, fmt):
    from linkwatch.export.graph import to_graph
    path = tmp_path / f"graph.{fmt}"
    export(records, fmt, path)
    back = nx.read_graphml(path, force_multigraph=True) if fmt == "graphml" else nx.read_gexf(path)
    original = to_graph(records)
    assert set(back.nodes) == set(original.nodes)
    assert sorted((u, v) for u, v, *_ in back.edges) == sorted((u, v) for u, v, *_ in original.edges)
    assert back.nodes["omar-idris"]["node_type"] == "person"
    types = {d.get("edge_type") for *_, d in back.edges(data=True)}
    assert {"member_of", "participant", "location", "front_of"} <= types


def test_csv_files(records, tmp_path):
    summary = export(records, "csv", tmp_path / "out")
    files = {name: list(csv.DictReader((tmp_path / "out" / f"{name}.csv").open())) for name in
             ("nodes", "edges", "events", "evidence")}
    assert len(files["nodes"]) == summary["nodes"] and files["edges"] and files["events"]
    assert {row["about"] for row in files["evidence"]} >= {r["id"] for r in files["edges"]}
    assert any(r["outlet"] == "Daily Example" for r in files["evidence"])


@pytest.mark.parametrize("fmt", ["stix", "ftm", "graphml", "gexf"])
def test_a_stream_gives_what_a_list_gives(records, tmp_path, fmt):
    export(records, fmt, tmp_path / "a")
    export(iter(records), fmt, tmp_path / "b")
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


@pytest.mark.parametrize("fmt", FILE_FORMATS)
def test_empty_knowledge_base_exports(tmp_path, fmt):
    export([], fmt, tmp_path / "empty")
    assert (tmp_path / "empty").exists()


def test_unwritable_destinations_fail_early(tmp_path):
    with pytest.raises(ExportError):
        check_writable_file(tmp_path / "missing" / "bundle.json")
    with pytest.raises(ExportError):
        check_writable_file(tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError):
        check_writable_dir(tmp_path / "file")
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        with pytest.raises(ExportError):
            check_writable_file(locked / "x.json")


def test_formats_listed():
    assert set(FORMATS) == {"stix", "ftm", "graphml", "gexf", "csv", "reports-jsonl"}
