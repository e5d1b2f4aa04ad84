"""Resolution rules, without a database."""
from __future__ import annotations

import pytest

from linkwatch.resolve.entities import EntityRecord, accepted, score
from linkwatch.resolve.events import EventRecord, score as event_score
from linkwatch.resolve.graph import Clusterer
from linkwatch.resolve.names import name_key


@pytest.mark.parametrize("a,b", [("Zaheer", "Zahir"), ("Zahir", "Zuhair"), ("Haniyeh", "Haniya"),
                                 ("Qaddoumi", "al-Qadoumi"), ("Maulana Masood Azhar", "Masud Azhar"),
                                 ("Mohammad Baqer Qalibaf", "Mohammad Bagher Ghalibaf"),
                                 ("Dalerdzhon Mirzoyev", "Dalerjon Mirzoev")])
def test_spelling_variants_share_a_key(a, b):
    assert name_key(a) == name_key(b)


def person(i, name, doc, **kw):
    return EntityRecord(id=f"r{i}", document=doc, type="person", name=name, **kw)


def test_honorifics_and_transliteration_link():
    assert accepted(*score(person(1, "Dr. Naji Zaheer", "d1"), person(2, "Nazi Zahir", "d2")))


def test_surname_alone_needs_context():
    ctx = frozenset({"org:crimson", "per:bashir"})
    assert not accepted(*score(person(1, "Naji Zaheer", "d1"), person(2, "Zuhair", "d2")))
    assert accepted(*score(person(1, "Naji Zaheer", "d1", context=ctx), person(2, "Zuhair", "d2", context=ctx)))


def test_namesakes_in_different_groups_stay_apart():
    a = person(1, "Hafiz Saeed", "d1", members=frozenset({"ref:lashkar-e-taiba"}))
    b = person(2, "Hafiz Saeed Khan", "d2", members=frozenset({"ref:islamic-state-khorasan"}))
    assert not accepted(*score(a, b))
    assert not accepted(*score(person(1, "Hammad Azhar", "d1"), person(2, "Masood Azhar", "d2")))


def test_types_and_references_decide():
    a = EntityRecord(id="a", document="d1", type="organization", name="LeT", ref_id="lashkar-e-taiba")
    b = EntityRecord(id="b", document="d2", type="organization", name="Lashkar-e-Tayyiba", ref_id="lashkar-e-taiba")
    c = EntityRecord(id="c", document="d3", type="organization", name="JeM", ref_id="jaish-e-mohammed")
    assert score(a, b)[0] == 1.0 and score(a, c)[0] == 0.0


def test_event_times_must_be_compatible():
    base = dict(type="meeting", location="karsan", parties=frozenset({"p1", "p2"}))
    feb = EventRecord(id="v1", document="d1", time="2024-02", **base)
    feb12 = EventRecord(id="v2", document="d2", time="2024-02-12", **base)
    june = EventRecord(id="v3", document="d3", time="2024-06", **base)
    assert event_score(feb, feb12) > 0.6 and event_score(feb, june) == 0.0


def test_clusters_never_join_two_items_of_one_document_or_a_split():
    c = Clusterer()
    for item, doc in (("a", "d1"), ("b", "d2"), ("c", "d1"), ("d", "d3")):
        c.add(item, document=doc)
    c.keep_apart("b", "d")
    c.link_all([(0.9, "a", "b", "r"), (0.8, "b", "c", "r"), (0.7, "b", "d", "r")])
    assert sorted(map(sorted, c.groups())) == [["a", "b"], ["c"], ["d"]]
