"""Event arguments on short reports written for these tests: who took part, where, when.

Each case is one general pattern of news prose that the extractor must read right; the
sentences are the project's own, not taken from any report.
"""
from __future__ import annotations

import pytest

from linkwatch.extract.nlp import load_nlp
from linkwatch.extract.report import build_report
from linkwatch.model.records import Article


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def _events(nlp, text: str, published: str = "2024-06-20"):
    report = build_report(nlp(text), Article(id="t", text=text, published=published))
    names = {e["id"]: e["name"] for e in report["entities"]}
    out = []
    for ev in report["events"]:
        parties = {names[p["entity"]] for p in ev["participants"]}
        if ev["organizer"]:
            parties.add(names[ev["organizer"]])
        out.append({"type": ev["type"], "parties": parties, "place": names.get(ev["location"]),
                    "time": (ev["time"] or {}).get("value")})
    return out, report


def _one(events, **where):
    found = [e for e in events if all(e[k] == v for k, v in where.items())]
    assert len(found) == 1, (where, events)
    return found[0]


def test_a_capital_that_acts_is_its_state(nlp):
    events, report = _events(nlp, "Washington designated Ansar Beit al-Maqdis a terrorist organisation in April 2014.")
    names = {e["name"] for e in report["entities"]}
    assert "United States" in names and "Washington" not in names
    assert "United States" in _one(events, type="other")["parties"]


def test_a_capital_where_something_happens_stays_the_city(nlp):
    _, report = _events(nlp, "The envoys met in Washington on Monday.")
    assert "Washington" in {e["name"] for e in report["entities"]}


def test_together_with_names_a_co_author_not_a_meeting(nlp):
    events, _ = _events(nlp, "Together with Hezbollah, Hamas claimed the rocket attack on Haifa in May 2006.")
    attack = _one(events, type="attack")
    assert {"Hezbollah", "Hamas"} <= attack["parties"]
    assert not [e for e in events if e["type"] == "meeting"]


def test_the_object_of_a_relative_clause_takes_part(nlp):
    events, _ = _events(nlp, "The court freed Abdul Rauf Azhar, whom the United Nations sanctioned in 2010, last week.")
    listing = _one(events, type="other", time="2010")
    assert "Abdul Rauf Azhar" in listing["parties"]


def test_two_coordinated_acts_keep_their_own_parties(nlp):
    events, _ = _events(nlp, "The US State Department designated al-Shabaab as a terrorist group in March 2008, "
                             "and added Jabhat al-Nusra to the list in 2012.")
    first = _one(events, time="2008-03")
    second = _one(events, time="2012")
    assert first["parties"] == {"US State Department", "al-Shabaab"}
    assert "US State Department" in second["parties"] and len(second["parties"]) == 2
    assert "al-Shabaab" not in second["parties"]


def test_one_verb_with_dated_targets_is_one_happening_each(nlp):
    events, _ = _events(nlp, "Boko Haram bombed Abuja in June 2017, Kano in January and Lagos in April.",
                        published="2019-06-01")
    attacks = [e for e in events if e["type"] == "attack"]
    assert {(e["place"], e["time"]) for e in attacks} == {("Abuja", "2017-06"), ("Kano", "2019-01"),
                                                          ("Lagos", "2019-04")}
    assert all(e["parties"] == {"Boko Haram"} for e in attacks)


def test_items_of_a_list_of_attacks_share_the_accused(nlp):
    events, _ = _events(nlp, "Lashkar-e-Taiba was founded in 1990. India holds the group responsible for the attack "
                             "on Mumbai in November 2008, the raid on Pathankot in January 2016 and the strike on "
                             "Uri in September 2016.")
    for place in ("Pathankot", "Uri"):
        assert "Lashkar-e-Taiba" in _one(events, type="attack", place=place)["parties"]


def test_an_attack_on_a_gathering_keeps_attackers_and_hosts_apart(nlp):
    events, _ = _events(nlp, "IS-K claimed the suicide bombing of a Jamiat Ulema-e-Islam-Fazl rally in Peshawar "
                             "on July 5, which killed 20 people.")
    attack = _one(events, type="attack")
    rally = _one(events, type="gathering")
    assert attack["place"] == "Peshawar" and attack["time"] == "2023-07-05"  # the latest July 5 before June 2024
    assert not any("Jamiat" in p for p in attack["parties"])
    assert any("Jamiat" in p for p in rally["parties"]) and not any("Khorasan" in p for p in rally["parties"])


def test_a_country_modifying_an_attack_is_the_attacker_not_the_place(nlp):
    events, _ = _events(nlp, "The commander was killed in a US drone strike in Kunar in May 2018.")
    attack = _one(events, type="attack")
    assert attack["place"] == "Kunar" and "US" in attack["parties"]


def test_a_place_in_a_role_description_is_not_the_event_place(nlp):
    events, _ = _events(nlp, "Hamid Noor, the group's commander in Kandahar, addressed a rally on May 3.")
    assert _one(events, type="gathering")["place"] is None


def test_an_undated_meeting_takes_the_date_of_the_day_just_told(nlp):
    events, _ = _events(nlp, "Shah Mehmood Qureshi and Antony Blinken met in Islamabad on Monday. Later, Qureshi "
                             "held talks with Sergei Lavrov.", published="2024-06-20")
    later = _one(events, type="meeting", parties={"Shah Mehmood Qureshi", "Sergei Lavrov"})
    assert later["time"] == "2024-06-17" and later["place"] == "Islamabad"


def test_two_meetings_with_different_counterparts_stay_two(nlp):
    events, _ = _events(nlp, "On Tuesday Ismail Haniyeh held talks with Masoud Pezeshkian, and was later "
                             "received by Ali Khamenei.", published="2024-07-31")
    meetings = [e for e in events if e["type"] == "meeting"]
    assert len(meetings) == 2 and all("Ismail Haniyeh" in m["parties"] for m in meetings)


def test_a_present_tense_meeting_borrows_no_date(nlp):
    events, _ = _events(nlp, "The envoys met in Doha on Monday. In the video the emir sits with three commanders.")
    video = [e for e in events if e["type"] == "meeting" and "Doha" != e["place"]]
    assert all(e["time"] is None for e in video)


def test_the_government_acting_unnamed_is_the_reports_country(nlp):
    events, _ = _events(nlp, "Pakistan has long denied sheltering militants. Pakistan's courts are slow. "
                             "The government banned Jamaat-ud-Dawa in March 2019.")
    assert "Pakistan" in _one(events, type="other", time="2019-03")["parties"]


def test_the_previous_evening_counts_from_the_date_in_the_sentence(nlp):
    events, _ = _events(nlp, "The killing in Tehran on July 31 came hours after an Israeli strike in Beirut the "
                             "previous evening killed a Hezbollah commander.", published="2024-08-05")
    assert _one(events, type="attack", place="Beirut")["time"] == "2024-07-30"


def test_a_signing_watched_by_someone_includes_the_witness(nlp):
    events, _ = _events(nlp, "Zalmay Khalilzad and Abdul Ghani Baradar signed the accord in Doha on Saturday, "
                             "watched by Mike Pompeo.", published="2020-03-01")
    assert {"Zalmay Khalilzad", "Abdul Ghani Baradar", "Mike Pompeo"} <= _one(events, type="meeting")["parties"]


def test_a_place_and_its_feature_word_are_one_place(nlp):
    _, report = _events(nlp, "An air strike hit a school in Gaza's Nuseirat camp on June 6.")
    assert "Nuseirat camp" in {e["name"] for e in report["entities"] if e["type"] == "location"}


def test_a_family_name_first_is_the_person_later(nlp):
    _, report = _events(nlp, "Wang Yi hosted the talks. Wang later met the delegates.")
    people = [e for e in report["entities"] if e["type"] == "person"]
    assert [p["name"] for p in people] == ["Wang Yi"] and len(people[0]["mentions"]) == 2


def test_an_act_weeks_apart_from_the_sentence_date_stays_undated(nlp):
    events, _ = _events(nlp, "Zalmay Khalilzad and Sher Stanekzai first met in Doha in March 2018, weeks after Amir Khan Muttaqi was "
                             "released from prison in Pakistan.", published="2019-01-10")
    assert _one(events, type="meeting")["time"] == "2018-03"
    assert _one(events, type="other")["time"] is None


def test_the_group_that_led_an_attack_takes_part_in_it(nlp):
    events, _ = _events(nlp, "The offensive followed the Hezbollah-led assault on northern Israel on October 8.")
    assert "Hezbollah" in _one(events, type="attack")["parties"]


def test_who_acted_after_an_attack_is_not_its_author(nlp):
    events, _ = _events(nlp, "Last May, Joe Biden cancelled the visit after a Hamas rocket attack on Sderot killed "
                             "two people.", published="2024-06-01")
    attack = _one(events, type="attack")
    assert "Hamas" in attack["parties"] and "Joe Biden" not in attack["parties"]


def test_the_groups_chief_is_the_leader_the_reference_list_knows(nlp):
    _, report = _events(nlp, "Ismail Haniyeh spoke to reporters in Doha on Monday. The Hamas chief later flew to "
                             "Tehran for talks.")
    haniyeh = next(e for e in report["entities"] if e["name"] == "Ismail Haniyeh")
    assert "Hamas chief" in [m["text"] for m in haniyeh["mentions"]]
    assert not [e for e in report["entities"] if e["name"] == "Hamas chief"]
