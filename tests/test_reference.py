"""Reference organisations (data/org_*.yaml) and name keys (model/names.py)."""
from __future__ import annotations

import re

import pytest

from linkwatch.model.names import fold, name_key, strip_honorifics
from linkwatch.model.reference import (
    KINDS,
    Org,
    designation_lists,
    match_org,
    org_surface_forms,
    organizations,
    watchlists_for,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def orgs() -> dict[str, Org]:
    return organizations()


# --- the data ---------------------------------------------------------------------

def test_enough_organisations_load(orgs):
    assert len(orgs) >= 150
    militant = [o for o in orgs.values() if o.kind in ("militant", "political", "charity", "criminal")]
    state = [o for o in orgs.values() if o.kind in ("state", "international", "media")]
    assert len(militant) >= 150
    assert len(state) >= 40


def test_every_record_is_complete(orgs):
    for org in orgs.values():
        assert SLUG.match(org.id), org.id
        assert org.name, org.id
        assert org.sources, org.id
        assert all(s.startswith("https://") for s in org.sources), org.id
        assert org.kind in KINDS, (org.id, org.kind)
        assert org.country is None or re.fullmatch(r"[A-Z]{2}", org.country), org.id


def test_referenced_ids_exist(orgs):
    for org in orgs.values():
        for ref in (*org.front_of, *org.offshoot_of, *org.allied_with):
            assert ref in orgs, f"{org.id} refers to unknown {ref}"
            assert ref != org.id


def test_designations_name_known_lists(orgs):
    lists = designation_lists()
    date = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
    for org in orgs.values():
        for d in org.designations:
            assert d.list in lists, (org.id, d.list)
            assert d.authority == lists[d.list]["authority"], (org.id, d.list)
            assert d.since is None or date.match(d.since), (org.id, d.since)
            assert d.until is None or date.match(d.until), (org.id, d.until)


def test_no_strong_alias_names_two_organisations(orgs):
    seen: dict[str, str] = {}
    clashes = []
    for org in orgs.values():
        for surface in org.surfaces():
            key = fold(surface)
            if key in seen and seen[key] != org.id:
                clashes.append((surface, seen[key], org.id))
            seen.setdefault(key, org.id)
    assert not clashes


def test_no_acronym_names_two_organisations(orgs):
    seen: dict[str, str] = {}
    clashes = []
    for org in orgs.values():
        for acronym in org.acronyms:
            if acronym in seen and seen[acronym] != org.id:
                clashes.append((acronym, seen[acronym], org.id))
            seen.setdefault(acronym, org.id)
    assert not clashes


def test_weak_aliases_are_not_also_strong(orgs):
    for org in orgs.values():
        strong = {fold(s) for s in org.surfaces()} | set(org.acronyms)
        for weak in org.weak_aliases:
            assert fold(weak) not in strong or weak in org.acronyms, (org.id, weak)


# --- US FTO coverage ------------------------------------------------------------------

US_FTO = [
    "abu-sayyaf-group", "hamas", "harkat-ul-mujahideen", "hezbollah", "kurdistan-workers-party",
    "liberation-tigers-of-tamil-eelam", "palestine-liberation-front", "palestinian-islamic-jihad",
    "popular-front-for-the-liberation-of-palestine", "pflp-general-command", "al-qaeda",
    "islamic-movement-of-uzbekistan", "jaish-e-mohammed", "lashkar-e-taiba", "al-aqsa-martyrs-brigades",
    "asbat-al-ansar", "al-qaeda-in-the-islamic-maghreb", "jemaah-islamiyah", "lashkar-e-jhangvi",
    "ansar-al-islam", "islamic-state", "islamic-jihad-union", "harkat-ul-jihad-al-islami-bangladesh",
    "al-shabaab", "kataib-hezbollah", "al-qaeda-in-the-arabian-peninsula", "harkat-ul-jihad-al-islami",
    "tehrik-i-taliban-pakistan", "jundallah", "army-of-islam-gaza", "indian-mujahideen",
    "jemaah-anshorut-tauhid", "abdallah-azzam-brigades", "haqqani-network", "ansar-dine", "boko-haram",
    "ansaru", "al-mourabitoun", "ansar-al-sharia-benghazi", "ansar-al-sharia-darnah",
    "ansar-al-sharia-tunisia", "islamic-state-sinai-province", "jaysh-rijal-al-tariq-al-naqshabandi",
    "islamic-state-khorasan-province", "islamic-state-libya", "al-qaeda-in-the-indian-subcontinent",
    "hizbul-mujahideen", "islamic-state-bangladesh", "islamic-state-philippines",
    "islamic-state-west-africa-province", "islamic-state-sahel-province", "al-ashtar-brigades",
    "jama-at-nusrat-al-islam-wal-muslimin", "islamic-revolutionary-guard-corps", "asaib-ahl-al-haq",
    "harakat-sawaid-misr", "islamic-state-central-africa-province-drc", "islamic-state-mozambique",
    "houthis", "the-resistance-front", "balochistan-liberation-army",
]


@pytest.mark.parametrize("org_id", US_FTO)
def test_us_fto_entries_are_designated(orgs, org_id):
    lists = [w["list"] for w in watchlists_for(org_id)]
    assert "us-fto" in lists, org_id


def test_revoked_designations_are_kept_apart():
    current = [w["list"] for w in watchlists_for("hayat-tahrir-al-sham")]
    everything = [w["list"] for w in watchlists_for("hayat-tahrir-al-sham", include_revoked=True)]
    assert "us-fto" not in current
    assert "us-fto" in everything
    assert "un-1267" in current


def test_watchlist_shape():
    [fto] = [w for w in watchlists_for("lashkar-e-taiba") if w["list"] == "us-fto"]
    assert fto == {"list": "us-fto", "name": "Lashkar-e Tayyiba", "authority": "us", "since": "2001-12-26"}
    assert watchlists_for("no-such-org") == []


# --- lookup ---------------------------------------------------------------------------

@pytest.mark.parametrize("surface, org_id", [
    ("Lashkar-e-Taiba", "lashkar-e-taiba"),
    ("Lashkar-e-Tayyiba", "lashkar-e-taiba"),
    ("Lashkar-e-Toiba", "lashkar-e-taiba"),
    ("Lashkar e Taiba", "lashkar-e-taiba"),
    ("lashkar-i-tayyaba", "lashkar-e-taiba"),
    ("LeT", "lashkar-e-taiba"),
    ("Jaish-e-Mohammed", "jaish-e-mohammed"),
    ("Jaish-e-Muhammad", "jaish-e-mohammed"),
    ("Jaish-e-Mohammad", "jaish-e-mohammed"),
    ("JeM", "jaish-e-mohammed"),
    ("Islamic State Khorasan Province", "islamic-state-khorasan-province"),
    ("ISKP", "islamic-state-khorasan-province"),
    ("IS-K", "islamic-state-khorasan-province"),
    ("ISIS-K", "islamic-state-khorasan-province"),
    ("GSIM", "jama-at-nusrat-al-islam-wal-muslimin"),
    ("JNIM", "jama-at-nusrat-al-islam-wal-muslimin"),
    ("AQMI", "al-qaeda-in-the-islamic-maghreb"),
    ("AQIM", "al-qaeda-in-the-islamic-maghreb"),
    ("Ansar Eddine", "ansar-dine"),
    ("Ansar al-Din", "ansar-dine"),
    ("Ansaru", "ansaru"),
    ("al-Mourabitoune", "al-mourabitoun"),
    ("Al Mourabitoun", "al-mourabitoun"),
    ("al-Murabitoun", "al-mourabitoun"),
    ("Jamaat Nosrat al-Islam wal-Mouslimine", "jama-at-nusrat-al-islam-wal-muslimin"),
    ("Jamaatud Dawa", "jamaat-ud-dawa"),
    ("Jamat-ud-Dawah", "jamaat-ud-dawa"),
    ("Falah-e-Insaniyat Foundation", "falah-i-insaniat-foundation"),
    ("PMML", "pakistan-markazi-muslim-league"),
    ("The Resistance Front", "the-resistance-front"),
    ("TRF", "the-resistance-front"),
    ("PAFF", "peoples-anti-fascist-front"),
    ("Hizbul Mujahideen", "hizbul-mujahideen"),
    ("Hizb-ul-Mujahideen", "hizbul-mujahideen"),
    ("Harkat-ul-Ansar", "harkat-ul-mujahideen"),
    ("JUI-F", "jamiat-ulema-e-islam-f"),
    ("Tehreek-e-Taliban Pakistan", "tehrik-i-taliban-pakistan"),
    ("Tehrik-e-Taliban Pakistan", "tehrik-i-taliban-pakistan"),
    ("Hizballah", "hezbollah"),
    ("Hizbullah", "hezbollah"),
    ("Houthis", "houthis"),
    ("Ansarullah", "houthis"),
    ("Revolutionary Guards", "islamic-revolutionary-guard-corps"),
    ("IRGC", "islamic-revolutionary-guard-corps"),
    ("Kata'ib Hezbollah", "kataib-hezbollah"),
    ("Kataib Hizbollah", "kataib-hezbollah"),
    ("Hayat Tahrir al-Sham", "hayat-tahrir-al-sham"),
    ("al-Qaida", "al-qaeda"),
    ("Al Qaeda", "al-qaeda"),
    ("Daesh", "islamic-state"),
    ("ISIS", "islamic-state"),
    ("Islamic State", "islamic-state"),
    ("Boko Haram", "boko-haram"),
    ("Katiba Massina", "katiba-macina"),
    ("the U.S. State Department", "us-state-department"),
    ("UN Security Council", "un-security-council"),
    ("1267 Committee", "un-1267-committee"),
    ("Amaq", "amaq-news-agency"),
    ("Israeli army", "israel-defense-forces"),
    ("Balochistan Liberation Army", "balochistan-liberation-army"),
])
def test_variants_resolve(surface, org_id):
    org = match_org(surface)
    assert org is not None, surface
    assert org.id == org_id


def test_acronyms_are_case_sensitive():
    assert match_org("LeT").id == "lashkar-e-taiba"
    assert match_org("let") is None
    assert match_org("Let") is None


def test_weak_aliases_need_context():
    assert match_org("Lashkar") is None
    assert match_org("Lashkar", allow_weak=True).id == "lashkar-e-taiba"
    assert match_org("Jaish") is None
    assert match_org("Jaish", allow_weak=True).id == "jaish-e-mohammed"
    assert match_org("IS") is None
    assert match_org("IS", allow_weak=True).id == "islamic-state"
    # "JI" is weak for two organisations: unsure even in context
    assert match_org("JI", allow_weak=True) is None


def test_unknown_and_close_but_different_names():
    assert match_org("") is None
    assert match_org("Lashkar-e-Jhangvi").id == "lashkar-e-jhangvi"
    assert match_org("Ansar Dine").id != match_org("Ansaru").id
    assert match_org("Harkat-ul-Mujahideen").id != match_org("Hizbul Mujahideen").id
    assert match_org("Islamic State").id != match_org("Islamic State Khorasan").id
    assert match_org("Save the Children") is None


def test_surface_forms():
    forms = org_surface_forms()
    assert ("Lashkar-e-Taiba", "lashkar-e-taiba", False) in forms
    assert ("Lashkar e Tayyiba", "lashkar-e-taiba", False) in forms
    assert ("LeT", "lashkar-e-taiba", True) in forms
    texts = {text for text, _, _ in forms}
    assert "Lashkar" not in texts and "IS" not in texts


# --- names ----------------------------------------------------------------------------

def test_fold():
    assert fold("The U.S. State Department") == "us state department"
    assert fold("Al-Qaïda") == "al qaida"
    assert fold("Jama\u2019at\u2013ud\u2014Da\u2018wa") == "jamaat ud dawa"
    assert fold("  Lashkar   e  Taiba ") == "lashkar e taiba"
    assert fold("Thebes") == "thebes"


@pytest.mark.parametrize("a, b", [
    ("Lashkar-e-Taiba", "Lashkar-e-Tayyiba"),
    ("Lashkar-e-Taiba", "Lashkar e Toiba"),
    ("Lashkar-e-Taiba", "Lashkar-i-Tayyaba"),
    ("Jaish-e-Mohammed", "Jaish-e-Muhammad"),
    ("Jaish-e-Mohammad", "Jaish-i-Mohammed"),
    ("al-Qaeda", "Al Qaida"),
    ("al-Qaeda", "al-Qa'ida"),
    ("Naji Zaheer", "Nazi Zahir"),
    ("Ismail Haniyeh", "Ismail Haniya"),
    ("Qaddoumi", "Qadoumi"),
    ("Qaddoumi", "al-Qadoumi"),
    ("Hamas", "Hammas"),
    ("Ansar Dine", "Ansar Eddine"),
    ("Ansar al-Din", "Ansar ud-Dine"),
    ("al-Mourabitoun", "al-Murabitun"),
    ("Jamaat-ud-Dawa", "Jamaatud Dawa"),
    ("Falah-e-Insaniat", "Falah-i-Insaniyat"),
    ("Hezbollah", "Hizballah"),
    ("Hizbullah", "Hizbollah"),
    ("Abdur Rahman", "Abd al-Rahman"),
    ("Abdul Rahman", "Abdel Rahman"),
    ("Osama", "Usama"),
    ("Hussain", "Hussein"),
    ("Hussein", "Husayn"),
    ("Tauhid", "Tawheed"),
    ("Dawood", "Daud"),
    ("Zulfiqar", "Dhulfiqar"),
    ("Macina", "Massina"),
    ("Yousuf", "Yusuf"),
    ("Mustafa", "Moustafa"),
    ("Farooq", "Faruk"),
    ("Haqqani", "Hakkani"),
])
def test_name_key_equal(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a, b", [
    ("Ansar Dine", "Ansaru"),
    ("Jaish", "Jamaat"),
    ("Lashkar-e-Taiba", "Lashkar-e-Jhangvi"),
    ("Hussain", "Hasan"),
    ("Islam", "Aslam"),
    ("Ansaru", "Ansari"),
    ("Harkat-ul-Mujahideen", "Hizbul Mujahideen"),
    ("Jamaat-ul-Ahrar", "Hizb-ul-Ahrar"),
    ("Hamas", "Hamza"),
    ("Omar", "Amir"),
    ("Tehreek-e-Taliban", "Tehreek-e-Labbaik"),
    ("Abbas", "Abu Abbas"),
])
def test_name_key_different(a, b):
    assert name_key(a) != name_key(b)


def test_name_key_is_stable_on_odd_input():
    assert name_key("") == ""
    assert name_key("   ") == ""
    assert name_key("---") == ""
    assert name_key("e") == "i"
    assert isinstance(name_key("123 Brigade"), str)


@pytest.mark.parametrize("raw, clean", [
    ("Maulana Masood Azhar", "Masood Azhar"),
    ("Hafiz Muhammad Saeed", "Muhammad Saeed"),
    ("Lt. Gen. Asim Munir", "Asim Munir"),
    ("Sheikh Hasina", "Hasina"),
    ("Grand Ayatollah Ali al-Sistani", "Ali al-Sistani"),
    ("Sayyed Hassan Nasrallah", "Hassan Nasrallah"),
    ("Mufti Abdul Rauf", "Abdul Rauf"),
    ("Dr Ayman al-Zawahiri", "Ayman al-Zawahiri"),
    ("Mullah Mohammad Omar", "Mohammad Omar"),
    ("Sheikh", "Sheikh"),
    ("Amir Khan Muttaqi", "Amir Khan Muttaqi"),
])
def test_strip_honorifics(raw, clean):
    assert strip_honorifics(raw) == clean
