"""Resolution rules, without a database."""
from __future__ import annotations

import pytest

from linkwatch.resolve.entities import EntityRecord, accepted, score
from linkwatch.resolve.events import CONFLICT_RULE, EventRecord, Place, combine_states, conflict_score, \
    event_conflicts, event_state, near_times, place_relation, scored_links as event_links, states_compatible, \
    states_tolerant, score as event_score
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


# invented places with real-world geometry: a city, a suburb 7 km out, a town 20 km out, the country, a capital abroad
KARSAN = Place("karsan", 35.69, 51.42, "XA", "city")
KARSAN_SUBURB = Place("karsan-east", 35.71, 51.50, "XA", "city")
VELDA_HALL = Place("velda-hall", 35.82, 51.30, "XA", "landmark")
XALAND = Place("xaland", 32.0, 53.0, "XA", "country")
NORTH_XA = Place("north-xaland", 36.5, 51.0, "XA", "region")
BORVA = Place("borva", 33.89, 35.50, "YB", "city")
BORVA_FAR = Place("borva-province-town", 33.0, 45.0, "XA", "city")


def event(i, doc, type_="attack", time="2024-03-22", place=KARSAN, parties=("p1",), **kw):
    return EventRecord(id=f"v{i}", document=doc, type=type_, time=time, location=place.kb if place else None,
                       place=place, parties=frozenset(parties), **kw)


@pytest.mark.parametrize("a,b,relation", [
    (KARSAN, KARSAN_SUBURB, "nested"),       # within NEAR_KM
    (KARSAN, VELDA_HALL, "nested"),          # a venue on the edge of the city
    (VELDA_HALL, XALAND, "nested"),          # the country holds its places
    (NORTH_XA, KARSAN, "nested"),            # a region holds nearby places of its country
    (KARSAN, BORVA, "conflict"),             # another country
    (KARSAN, BORVA_FAR, "conflict"),         # one country, two cities far apart
    (KARSAN, Place("somewhere"), "unknown"),  # no geo to tell
])
def test_places_nest_by_geo(a, b, relation):
    assert place_relation(a, b) == relation == place_relation(b, a)


def test_nested_places_link_and_distant_ones_stay_apart_even_on_one_day():
    city = event(1, "d1", place=KARSAN)
    assert event_score(city, event(2, "d2", place=VELDA_HALL)) >= 0.6
    assert event_score(city, event(3, "d3", place=XALAND)) >= 0.6
    assert event_score(city, event(4, "d4", place=BORVA)) == 0.0
    # the same kb place still scores above a nested one
    assert event_score(city, event(5, "d5", place=KARSAN)) > event_score(city, event(6, "d6", place=KARSAN_SUBURB))


def test_type_families_link_at_a_penalty_never_across_families():
    meeting = event(1, "d1", type_="meeting", parties=("p1", "p2"))
    gathering = event(2, "d2", type_="gathering", parties=("p1", "p2"))
    same = event(3, "d3", type_="meeting", parties=("p1", "p2"))
    assert 0.6 <= event_score(meeting, gathering) < event_score(meeting, same)
    assert event_score(event(4, "d4", type_="attack"), event(5, "d5", type_="other")) >= 0.6
    assert event_score(event(6, "d6", type_="attack", parties=("p1", "p2")), meeting) == 0.0
    assert event_score(event(7, "d7", type_="visit", parties=("p1", "p2")), meeting) == 0.0


def test_a_member_stands_partly_for_its_organisation():
    group = event(1, "d1", parties=("org",))
    member = event(2, "d2", parties=("boss",), memberships=frozenset({("boss", "org")}))
    stranger = event(3, "d3", parties=("other",))
    assert event_score(group, member) > 0.6 and event_score(group, stranger) == 0.0
    # the group named beside its envoy does not dilute the overlap with the group alone
    both = event(4, "d4", parties=("org", "boss"), memberships=frozenset({("boss", "org")}))
    assert event_score(group, both) == event_score(group, event(5, "d5", parties=("org",)))


def test_rarer_shared_parties_weigh_more():
    common = {"country": 1 / 3, "commander": 1.0}
    a = event(1, "d1", place=None, parties=("country", "commander"))
    assert event_score(a, event(2, "d2", place=None, parties=("commander",)), weights=common) > \
        event_score(a, event(3, "d3", place=None, parties=("country",)), weights=common)


@pytest.mark.parametrize("t1,t2", [
    ("2024-03", "2024-07"),            # the same leaders meet again months later
    ("2024-04", "2024-07-23"),         # April talks vs the July declaration in one city
    ("2021-08-26", "2022-09-05"),      # two bombings of one group in one city, a year apart
    ("2024-07-30", "2024-07-31"),      # two days of one month
])
def test_hard_negatives_stay_apart(t1, t2):
    a = event(1, "d1", type_="meeting", time=t1, parties=("p1", "p2"))
    b = event(2, "d2", type_="meeting", time=t2, parties=("p1", "p2"))
    assert event_score(a, b) == 0.0
    assert conflict_score(a, b) == 0.0     # not near enough to be one misdated happening either
    assert not [link for link in event_links([a, b])]


@pytest.mark.parametrize("t1,t2,near", [
    ("2024-02", "2024-03", True),          # "February" vs "weeks before April"
    ("2024-02", "2024-03-20", True),       # a month vs a day 34 days from its middle
    ("2024-02", "2024-04", True),          # 60 days between midpoints
    ("2024-02", "2024-05", False),         # 90 days
    ("2024-03", "2024-07", False),
    ("2024-07-30", "2024-07-31", False),   # two days: reporters who give the day mean it
    ("2024", "2025", False),               # years say too little
    ("2024-02", "2024-02-12", False),      # compatible, no conflict at all
])
def test_near_times(t1, t2, near):
    assert near_times(t1, t2) is near and near_times(t2, t1) is near


def test_near_dated_reports_link_as_a_conflict_only_when_all_else_agrees():
    feb = event(1, "d1", type_="meeting", time="2024-02", parties=("p1", "p2"))
    march = event(2, "d2", type_="meeting", time="2024-03", parties=("p1", "p2"))
    assert event_score(feb, march) == 0.0 and conflict_score(feb, march) >= 0.6
    assert [(a, b, why) for _, a, b, why in event_links([feb, march])] == [("v1", "v2", CONFLICT_RULE)]
    # one shared party, another type, another city or no place: kept apart
    assert conflict_score(feb, event(3, "d3", type_="meeting", time="2024-03", parties=("p1", "p9"))) == 0.0
    assert conflict_score(feb, event(4, "d4", type_="gathering", time="2024-03", parties=("p1", "p2"))) == 0.0
    assert conflict_score(feb, event(5, "d5", type_="meeting", time="2024-03", place=BORVA, parties=("p1", "p2"))) == 0.0
    assert conflict_score(feb, event(6, "d6", type_="meeting", time="2024-03", place=None, parties=("p1", "p2"))) == 0.0
    # a nested place is enough
    assert conflict_score(feb, event(7, "d7", type_="meeting", time="2024-03", place=VELDA_HALL,
                                     parties=("p1", "p2"))) >= 0.6


def test_tolerant_clusters_take_near_dates_but_not_far_ones():
    feb, march, may = (event(i, f"d{i}", time=t, place=None) for i, t in ((1, "2024-02"), (2, "2024-03"), (3, "2024-05")))
    c = Clusterer(compatible=states_compatible, combine=combine_states)
    for r in (feb, march, may):
        c.add(r.id, document=r.document, state=event_state(r))
    assert not c.link("v1", "v2")                                   # the ordinary check refuses
    c.link_all([(0.9, "v1", "v2", CONFLICT_RULE), (0.8, "v2", "v3", CONFLICT_RULE)], compatible=states_tolerant)
    assert sorted(map(sorted, c.groups())) == [["v1", "v2"], ["v3"]]  # May is 90 days from February


def test_event_conflicts_list_disagreeing_times_and_places_with_their_sources():
    members = [event(1, "d1", time="2024-02"), event(2, "d2", time="2024-03"), event(3, "d3", time="2024-02-12")]
    assert event_conflicts(members) == [{"field": "time", "values": [
        {"value": "2024-02", "documents": ["d1"]}, {"value": "2024-02-12", "documents": ["d3"]},
        {"value": "2024-03", "documents": ["d2"]}]}]
    assert event_conflicts([members[0], members[2]]) == []          # a month and a day in it agree
    assert event_conflicts([event(1, "d1"), event(2, "d2", place=VELDA_HALL)]) == []   # nested places agree
    places = event_conflicts([event(1, "d1"), event(2, "d2", place=BORVA)], place_names={"borva": "Borva"})
    assert places == [{"field": "place", "values": [{"value": "borva", "name": "Borva", "documents": ["d2"]},
                                                    {"value": "karsan", "name": None, "documents": ["d1"]}]}]


def test_a_year_only_recap_loses_to_the_same_day():
    news = event(1, "d1", type_="meeting", time="2024-07-30", place=None, parties=("leader", "guest"))
    same_day = event(2, "d2", type_="meeting", time="2024-07-30", place=None, parties=("leader", "other"))
    recap = event(3, "d2", type_="meeting", time="2024", place=None, parties=("leader", "guest"))
    assert event_score(news, same_day) > event_score(news, recap)


def test_undated_reports_need_strong_overlap():
    dated = event(1, "d1", type_="meeting", parties=("p1", "p2"))
    assert event_score(dated, event(2, "d2", type_="meeting", time=None, place=None, parties=("p1", "p2"))) >= 0.6
    assert event_score(dated, event(3, "d3", type_="meeting", time=None, place=XALAND, parties=("p1",))) >= 0.6
    assert event_score(dated, event(4, "d4", type_="meeting", time=None, place=None, parties=("p1",))) == 0.0


def test_clusters_keep_times_and_places_consistent():
    c = Clusterer(compatible=states_compatible, combine=combine_states)
    records = [event(1, "d1", time="2024-07", place=None), event(2, "d2", time="2024-07-30", place=KARSAN),
               event(3, "d3", time="2024-07-31", place=KARSAN), event(4, "d4", time="2024-07", place=BORVA)]
    for r in records:
        c.add(r.id, document=r.document, state=event_state(r))
    c.link_all([(0.9, "v1", "v2", "r"), (0.8, "v1", "v3", "r"), (0.7, "v1", "v4", "r")])
    assert sorted(map(sorted, c.groups())) == [["v1", "v2"], ["v3"], ["v4"]]


def test_a_report_without_a_place_does_not_bridge_two_unlocated_places():
    """One month's meetings at two places with no geo, and a report naming no place that shares a party
    with each: it may join one of them, never make the two one meeting (score would not link them)."""
    qamra, zentra = Place("qamra"), Place("zentra")
    records = [event(1, "d1", "meeting", "2024-02", qamra, ("a", "b")),
               event(2, "d2", "meeting", "2024-02", None, ("a", "c")),
               event(3, "d3", "meeting", "2024-02", zentra, ("c", "d"))]
    assert event_score(records[0], records[2]) == 0
    c = Clusterer(compatible=states_compatible, combine=combine_states)
    for r in records:
        c.add(r.id, document=r.document, state=event_state(r))
    c.link_all([(0.9, "v1", "v2", "r"), (0.8, "v2", "v3", "r")])
    assert sorted(map(sorted, c.groups())) == [["v1", "v2"], ["v3"]]
    # on one day the same two places may be one happening, as score allows
    same_day = [event(i, f"d{i}", "meeting", "2024-02-12", place, parties) for i, place, parties in
                ((1, qamra, ("a", "b")), (2, None, ("a", "c")), (3, zentra, ("c", "d")))]
    c = Clusterer(compatible=states_compatible, combine=combine_states)
    for r in same_day:
        c.add(r.id, document=r.document, state=event_state(r))
    c.link_all([(0.9, "v1", "v2", "r"), (0.8, "v2", "v3", "r")])
    assert sorted(map(sorted, c.groups())) == [["v1", "v2", "v3"]]


def test_undated_records_are_compared_with_dated_ones():
    dated = event(1, "d1", type_="meeting", parties=("p1", "p2"))
    undated = event(2, "d2", type_="meeting", time=None, place=None, parties=("p1", "p2"))
    assert [(a, b) for _, a, b, _ in event_links([dated, undated])] == [("v1", "v2")]


def test_clusters_never_join_two_items_of_one_document_or_a_split():
    c = Clusterer()
    for item, doc in (("a", "d1"), ("b", "d2"), ("c", "d1"), ("d", "d3")):
        c.add(item, document=doc)
    c.keep_apart("b", "d")
    c.link_all([(0.9, "a", "b", "r"), (0.8, "b", "c", "r"), (0.7, "b", "d", "r")])
    assert sorted(map(sorted, c.groups())) == [["a", "b"], ["c"], ["d"]]


# ---- reworded copies (fixture texts written for these tests)

REWORD_A = ("Gunmen from the Crimson Front attacked a police checkpoint near Karsan on Tuesday, killing four officers "
            "and wounding six others, provincial officials said. The group claimed the assault in a statement posted "
            "online and warned of further attacks on security forces in the province.")
REWORD_B = ("Four police officers were killed and six others wounded on Tuesday when gunmen from the Crimson Front "
            "attacked a checkpoint near Karsan, according to provincial officials. In a statement posted online, the "
            "group claimed responsibility for the assault and warned of more attacks against security forces in the "
            "province.")
OTHER_C = ("A checkpoint outside Karsan came under fire on Tuesday evening. Residents said they heard explosions for "
           "almost an hour before army reinforcements arrived from the north. Hospital staff reported receiving the "
           "bodies of four policemen. The Crimson Front later said its fighters had carried out the raid in revenge "
           "for arrests last month.")


def test_reworded_text_is_similar_and_an_independent_report_is_not():
    from linkwatch.resolve.syndication import TEXT_THRESHOLD, content_words, minhash, signatures, similarity
    a, b, c = (minhash(content_words(t)) for t in (REWORD_A, REWORD_B, OTHER_C))
    assert similarity(a, b) >= TEXT_THRESHOLD > similarity(a, c)
    assert "text" not in signatures("Too short to judge.", {})


def test_claim_features_ignore_wording():
    from linkwatch.resolve.syndication import claim_features
    report = {"entities": [{"id": "E1", "type": "organization", "name": "Crimson Front"},
                           {"id": "E2", "type": "location", "name": "Karsan"}],
              "events": [{"id": "V1", "type": "attack", "time": {"value": "2024-03-05"}, "location": "E2"}],
              "relations": [{"subject": "E1", "predicate": "operates_in", "object": "E2"}]}
    assert claim_features(report) == {"e|organization|crimson front", "e|location|karsan",
                                      "v|attack|2024-03-05|karsan", "r|crimson front|operates_in|karsan"}
