"""Events: triggers from the ontology, arguments from the parse, one event per happening.

For each trigger (a verb, noun or phrase listed in ``data/ontology.yaml``):
participants are the subject of its clause (pronouns resolved to the last
person named), objects of meeting verbs, and parties attached to it ("with",
"alongside", "between", "from", possessives); the organizer is the agent of
"organised/hosted by"; the place and time are the nearest ones attached to
it in the parse, not owned by a nested trigger. A definite or demonstrative
reference ("the visit", "this meeting") joins the event it refers to, and a
nested indefinite gathering ("met X during an event organised by Y") is the
same happening as its meeting. Events told in several sentences with the same
parties and compatible time and place are merged.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from linkwatch.extract.entities import PLACE_NOUNS, Entities, Entity
from linkwatch.extract.modality import modality_of
from linkwatch.model.ontology import event_lexicon, ontology

CONTACT = {"meeting", "gathering"}
PLACE_PREPS = {"in", "at", "to", "into", "inside", "near", "outside"}
PARTY_PREPS = {"with", "alongside", "between", "from", "by", "and", "among", "including", "of"}
ANAPHORIC_DETS = {"the", "this", "that", "these", "those", "his", "her", "their", "its"}
_SUBJ = {"nsubj", "nsubjpass"}
PARAGRAPH_FALLBACK = True
ORGANISING = {"organise", "organize", "organised", "organized", "host", "hosted", "hold", "held", "arrange", "arranged",
              "convene", "convened", "sponsor", "sponsored", "felicitate", "felicitated", "stage", "staged", "call", "called"}


@dataclass
class Event:
    type: str
    trigger: Token
    participants: list[Entity] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)
    organizer: Entity | None = None
    organizer_explicit: bool = False
    location: Entity | None = None
    time: object | None = None  # a Timex
    name: str | None = None
    modality: str = "asserted"
    sentences: list[Span] = field(default_factory=list)
    anaphoric: bool = False
    container: bool = False
    future: bool = False
    vague: bool = False  # "recently": the text withholds the date
    own_time: bool = False  # the date is said in the event's own clause (not borrowed from the sentence or paragraph)

    def parties(self) -> set[str]:
        return {e.id for e in self.participants} | ({self.organizer.id} if self.organizer else set())

    def absorb(self, other: "Event", *, arguments: bool = True) -> None:
        for s in other.sentences:
            if all(s.start != t.start for t in self.sentences):
                self.sentences.append(s)
        if not arguments:
            for p in other.participants:
                if p not in self.participants and p.type == "person" and self.participants:
                    self.participants.append(p)
            return
        for p in other.participants:
            if p not in self.participants and p is not self.organizer:
                self.participants.append(p)
        if other.organizer and (self.organizer is None or (other.organizer_explicit and not self.organizer_explicit)):
            self.organizer, self.organizer_explicit = other.organizer, other.organizer_explicit
            if self.organizer in self.participants:
                self.participants.remove(self.organizer)
        self.location = self.location or other.location
        self.time = self.time or other.time
        self.name = self.name or other.name


# ---------------------------------------------------------------- triggers

def _triggers(sent: Span) -> list[tuple[Token, str]]:
    lex = event_lexicon()
    found: list[tuple[Token, str]] = []
    words = [t.lower_ for t in sent]
    taken: set[int] = set()
    by_first = _phrases_by_first_word()
    for i, word in enumerate(words):
        for phrase, kind in by_first.get(word, ()):
            n = len(phrase)
            if tuple(words[i:i + n]) == phrase:
                head = sent[i]
                if phrase[:2] == ("together", "with") and _co_acting(head):
                    continue  # "Together with AQIM, it claimed the siege": a co-author, not a meeting
                found.append((head, kind))
                taken.update(range(head.i, head.i + n))
    for m in _LISTING.finditer(sent.text):  # "added ISWAP to the list", "put him on its sanctions list"
        span = sent.doc.char_span(sent.start_char + m.start(1), sent.start_char + m.end(1))
        if span is not None and span.start not in taken:
            found.append((span[0], "other"))
            taken.add(span.start)
    for t in sent:
        if t.i in taken:
            continue
        lemma = t.lemma_.lower()
        if t.i > sent.start + 1 and t.doc[t.i - 1].text == "-":
            lemma = f"{t.doc[t.i - 2].lower_}-{t.lower_}"  # "hostage-taking", "sit-in"; "Hamas-led" is no trigger
        for kind, spec in lex.items():
            if t.pos_ == "VERB" and lemma in spec["verbs"]:
                if kind == "visit" and lemma in {"travel", "fly", "return", "go", "head", "flee", "relocate"} and not any(
                        c.dep_ == "prep" and c.lower_ in {"to", "into"} or c.dep_ == "advmod" and c.lower_ == "home"
                        for c in t.children):
                    break  # "the car they were travelling in": a movement with no destination is no visit
                found.append((t, kind))
                break
            if t.pos_ in {"NOUN", "PROPN"} and (lemma in spec["nouns"] or "-" not in lemma and t.lower_ in spec["nouns"]) \
                    and t.ent_type_ not in {"DATE", "TIME", "ORG", "PERSON", "GPE"}:
                found.append((t, kind))
                break
    found.sort(key=lambda x: x[0].i)
    # "the signing ceremony", "peace talks": a trigger modifying another names the same happening;
    # the head carries it, typed by the more specific modifier
    kinds = {t.i: kind for t, kind in found}
    merged = []
    signed = {c.i for t, kind in found if t.pos_ == "VERB" and t.lemma_.lower() == "sign" for c in t.children
              if c.dep_ == "dobj" and kinds.get(c.i) == "other"}
    for t, kind in found:
        if t.i in signed:
            continue  # "signed a pledge of unity": the signing is the happening
        if t.dep_ == "pobj" and t.head.lower_ in {"before", "after", "since", "until", "ahead"} and (
                _is_anaphoric(t) or any(c.lower_ == "the" for c in t.children)):
            continue  # "Before the ceremony the Leader received him": a time anchor, not a new happening
        if t.pos_ == "VERB" and t.lemma_.lower() != "sign" and any(
                c.dep_ == "dobj" and c.i in kinds and kinds[c.i] != kind for c in t.children):
            continue  # "led the attack", "addressed the funeral": the object names the happening
        if t.dep_ in {"compound", "amod", "nmod"} and t.head.i in kinds and t.head.i != t.i:
            kinds[t.head.i] = kind
            continue
        merged.append(t)
    return [(t, kinds[t.i]) for t in merged]


_LISTING = re.compile(r"\b(added|put|placed|puts|adds|places)\b[^.;]{0,50}?\b(?:to|on)\s+(?:the|its|their|a)\s+"
                      r"(?:[\w-]+\s+){0,2}(?:list|blacklist|register)\b", re.I)


@lru_cache(maxsize=1)
def _phrases_by_first_word() -> dict[str, tuple[tuple[tuple[str, ...], str], ...]]:
    index: dict[str, list] = {}
    for kind, spec in event_lexicon().items():
        for phrase in spec["phrases"]:
            index.setdefault(phrase[0], []).append((phrase, kind))
    return {w: tuple(v) for w, v in index.items()}


def _is_anaphoric(t: Token) -> bool:
    if t.pos_ not in {"NOUN", "PROPN"}:
        return False
    if any(c.tag_ == "JJS" for c in t.children) and any(c.lower_ == "the" for c in t.children):
        return True  # "the deadliest attack in three decades": a comparison about an event already told
    dets = [c for c in t.children if c.dep_ in {"det", "poss"}]
    if not dets or dets[0].lower_ not in ANAPHORIC_DETS:
        return False
    # "the Pahalgam attack", "the October 7 attack" name their own happening
    return not any(c.dep_ in {"compound", "amod", "nmod", "nummod"} and c.ent_type_ in {"GPE", "LOC", "DATE", "FAC", "ORG", "PERSON"}
                   for c in t.children) and not any(c.dep_ == "prep" and c.lower_ in {"in", "at", "on", "of", "between", "with"}
                                                      for c in t.children)


def _is_container(t: Token) -> bool:
    """'multiple events in 2023, including ...': a list of happenings, not one."""
    if t.tag_ not in {"NNS", "NNPS"}:
        return False
    return any(d.lower_ in {"including", "such"} for d in t.subtree) or any(
        c.lower_ in {"multiple", "several", "many", "various", "numerous"} for c in t.children)


# ---------------------------------------------------------------- arguments

def _clause_verb(t: Token) -> Token:
    """The nearest ancestor (or self) that has a subject."""
    node = t
    for _ in range(8):
        if any(c.dep_ in _SUBJ for c in node.children):
            return node
        if node.dep_ == "conj" and node.head.i != node.i and any(c.dep_ in _SUBJ for c in node.head.children):
            return node.head
        if node.head.i == node.i:
            return node
        node = node.head
    return node


def _sentences(doc: Doc) -> list[Span]:
    """The document's sentences, computed once (doc.sents rebuilds them on every call)."""
    cached = doc.user_data.get("lw_sents")
    if cached is None:
        cached = doc.user_data["lw_sents"] = list(doc.sents)
        doc.user_data["lw_sent_of"] = [k for k, s in enumerate(cached) for _ in range(s.start, s.end)]
    return cached


def _sentence_index(doc: Doc, token_i: int) -> int:
    _sentences(doc)
    return doc.user_data["lw_sent_of"][token_i]


def _salient_person(persons_before: list[Entity], ents: Entities, token: Token) -> Entity:
    """"he": of the people named in this and the last two sentences, the one named most often so far
    (the report's protagonist), ties to the most recent."""
    in_sentence = [p for p in persons_before if any(token.sent.start_char <= s < token.idx for s, _, _ in p.mentions)]
    if in_sentence and token.lower_ in {"his", "her"}:  # "Ghani said his government ...": bound in the sentence
        return max(in_sentence, key=lambda p: max(s for s, _, _ in p.mentions if s < token.idx))
    sents, k = _sentences(token.doc), _sentence_index(token.doc, token.i)
    window_start = sents[max(0, k - 2)].start_char
    recent = [p for p in persons_before if any(window_start <= s < token.idx for s, _, _ in p.mentions)]
    if not recent:
        return persons_before[-1]
    order = {id(p): n for n, p in enumerate(persons_before)}
    return max(recent, key=lambda p: (sum(1 for s, _, _ in p.mentions if s < token.idx), order[id(p)]))


def _last_org(ents: Entities, token: Token) -> Entity | None:
    """The salient organisation for "it" / "the group": the previous sentence's subject when it is an
    organisation (the topic carries on), else of those named in the last three sentences the one named
    most often so far (ties: the most recent)."""
    sents, k = _sentences(token.doc), _sentence_index(token.doc, token.i)
    if token.dep_ == "nsubj" and k > 0:
        root = sents[k - 1].root
        subject = next((c for c in root.children if c.dep_ in _SUBJ), None)
        ent = ents.at(subject.i) if subject is not None else None
        if ent is not None and ent.type == "organization" and not (ent.org_id and _state_body(ent.org_id)):
            return ent
    window_start = sents[max(0, k - 3)].start
    best = None
    for ent in ents.entities:
        if ent.type != "organization" or (ent.org_id and _state_body(ent.org_id)):
            continue
        before = [i for i in ent.tokens if i < token.i]
        if not before or max(before) < window_start:
            continue
        mentions = sum(1 for s, _, _ in ent.mentions if s < token.idx)
        key = (mentions, max(before))
        if best is None or key > best[0]:
            best = (key, ent)
    return best[1] if best else None


def _state_body(org_id: str) -> bool:
    from linkwatch.model import reference
    org = reference.organizations().get(org_id)
    return org is not None and org.kind in {"state", "international", "media"}


_TEMPORAL_PREPS = {"after", "before", "since", "until", "following", "despite", "amid", "over"}


def _support(t: Token, verb: Token) -> bool:
    """Does the clause subject take part in the nominal event t? ("he addressed a rally": yes;
    "Abbas condemned the killing": no; "he was in Tehran for talks": yes)."""
    if t.dep_ in {"nsubj", "nsubjpass"}:
        return False
    cur = t
    while cur.head.i != verb.i and cur.head.i != cur.i:
        if cur.dep_ == "pobj":
            return cur.head.lower_ not in _TEMPORAL_PREPS
        cur = cur.head
    if cur.dep_ == "pobj" or cur.dep_ == "prep":
        return cur.lower_ not in _TEMPORAL_PREPS and cur.head.lower_ not in _TEMPORAL_PREPS
    return verb.lemma_.lower() in _support_verbs()


@lru_cache(maxsize=1)
def _support_verbs() -> frozenset[str]:
    return frozenset(ontology()["support_verbs"])


GROUP_NOUNS = {"men", "leaders", "negotiators", "sides", "officials", "envoys", "commanders", "ministers", "presidents",
               "delegations", "chiefs", "women", "figures"}
ORG_ANAPHORS = {"group", "outfit", "organisation", "organization", "movement", "militia", "network", "faction"}


def _resolve(token: Token, ents: Entities, persons_before: list[Entity]) -> Entity | None:
    ent = ents.at(token.i)
    if ent is not None:
        return ent
    if token.lower_ in {"he", "she", "him", "her", "his"} and persons_before:
        if token.lower_ in {"him", "her"} and token.dep_ in {"dobj", "pobj"}:
            # "the Leader received him": not the clause's own subject
            clause = token.head if token.dep_ == "dobj" else token.head.head
            subject = next((c for c in clause.children if c.dep_ == "nsubj"), None)
            own = ents.at(subject.i) if subject is not None else None
            others = [p for p in persons_before if p is not own]
            if others:
                return _salient_person(others, ents, token)
        return _salient_person(persons_before, ents, token)
    if token.lower_ in {"them", "they"} and token.dep_ in {"dobj", "nsubjpass"}:
        return None  # plural: handled by _plural_pronoun (several parties)
    if token.lower_ in {"who", "which", "that"} and token.head.dep_ == "relcl":
        return ents.at(token.head.head.i)  # "Hamas, which led the attack"
    if token.lower_ in GROUP_NOUNS and any(c.lower_ in {"two", "both"} for c in token.children):
        return None  # handled by _pair_anaphora: "the two men" stands for two people
    if (token.lower_ == "it" and token.dep_ in {"dobj", "nsubjpass", "nsubj"}) or (
            token.lower_ in ORG_ANAPHORS and any(c.lower_ in {"the", "this", "that"} for c in token.children)
            and not any(ents.at(c.i) is not None and ents.at(c.i).type != "location" for c in token.subtree)):
        return _last_org(ents, token)
    for d in token.children:
        if d.dep_ == "poss" and d.lower_ in {"his", "her"} and persons_before:
            return _salient_person(persons_before, ents, d)
    # "commanders from Lashkar-e-Taiba", "senior leaders of Hamas": the organisation stands in
    for d in token.subtree:
        e = ents.at(d.i)
        if e is not None and e.type in {"person", "organization"}:
            return e
    return None


def _named_objects(prep: Token, ents: Entities) -> list[Entity]:
    """The people and groups a preposition governs, coordinated ones included ("by X and Y")."""
    out = []
    for g in prep.children:
        for x in (g, *g.conjuncts):
            ent = ents.at(x.i)
            if ent is not None and ent.type in {"person", "organization"}:
                out.append(ent)
    return out


def _relative_object(t: Token, ents: Entities) -> Entity | None:
    """The noun a relative clause is about when the clause's verb acts on it: "X, whom the UN
    sanctioned", "a faction the State Department designated" (X's appositive)."""
    if t.dep_ != "relcl":
        return None
    objects = [c for c in t.children if c.dep_ in {"dobj", "nsubjpass"}]
    if any(c.lower_ not in {"whom", "which", "that", "who"} for c in objects):
        return None  # the clause has an object of its own
    if any(c.dep_ == "nsubj" and c.lower_ in {"who", "which", "that"} for c in t.children):
        return None  # "Hamas, which led the attack": the subject (handled as such)
    head = t.head
    ent = ents.at(head.i)
    if ent is None and head.dep_ == "appos":
        ent = ents.at(head.head.i)
    return ent


def _affiliation_only(org: Entity, sent: Span, ents: Entities) -> bool:
    """Every mention of the group in the sentence describes a person: "Hafiz Saeed, Lashkar-e-Taiba's
    founder", "Saeed, the JuD chief" (the person's tie, not a party of the act)."""
    if org.type != "organization":
        return False
    doc = sent.doc
    starts = [i for i in sorted(org.tokens) if sent.start <= i < sent.end and ents.at(i - 1) is not org]
    if not starts:
        return False
    roles = _role_nouns()
    for i in starts:
        end = i
        while end + 1 < sent.end and ents.at(end + 1) is org:
            end += 1
        k = i - 1
        while k > sent.start and doc[k].lower_ in {"the", "a", "an"}:
            k -= 1
        person_before = k > sent.start and doc[k].text == "," and ents.at(k - 1) is not None \
            and ents.at(k - 1).type == "person"
        j = end + 1
        if j < sent.end and doc[j].text in {"'s", "’s"}:
            j += 1
        while j < sent.end and doc[j].lower_ in _role_modifiers():
            j += 1
        if not (person_before and j < sent.end and doc[j].lower_ in roles):
            return False
    return True


def _unnamed_state(c: Token) -> bool:
    """"the government", "the authorities": a state the sentence does not name."""
    return c.lower_ in {"government", "authorities"} and any(d.lower_ == "the" for d in c.children) \
        and not any(d.dep_ in {"poss", "compound", "amod", "nmod"} for d in c.children)


def _home_country(ents: Entities) -> Entity | None:
    """The country the report is about: the one it names most often."""
    countries = [e for e in ents.entities if e.type == "location" and e.is_country]
    return max(countries, key=lambda e: (len(e.mentions), -e.first), default=None)


def _co_acting(together: Token) -> bool:
    """"together with X" modifying a verb that carries another happening (claimed, carried out, led)."""
    verb = together.head.head if together.head.lower_ == "with" else together.head
    return verb.pos_ == "VERB" and (verb.lemma_.lower() in _support_verbs() | {"claim"}
                                    or any(verb.lemma_.lower() in spec["verbs"]
                                           for kind, spec in event_lexicon().items() if kind != "meeting"))


def _co_subjects(verb: Token) -> list[Token]:
    """The objects of "together with", "along with" or "alongside" attached to the clause verb."""
    out = []
    for c in verb.children:
        if c.dep_ == "advmod" and c.lower_ in {"together", "along", "jointly"}:
            for p in c.children:
                if p.dep_ == "prep" and p.lower_ == "with":
                    out += [g for g in p.children if g.dep_ == "pobj"]
        elif c.dep_ == "prep" and (c.lower_ == "alongside" or c.lower_ == "with" and any(
                a.dep_ == "advmod" and a.lower_ in {"together", "along", "jointly"} for a in c.children)):
            out += [g for g in c.children if g.dep_ == "pobj"]
    return [x for g in out for x in (g, *g.conjuncts)]


def _subtree_outside(t: Token, owned: set[int]) -> list[Token]:
    """Tokens of t's subtree, skipping subtrees of nested triggers (they own their arguments)."""
    out = []
    stack = [t]
    while stack:
        node = stack.pop()
        out.append(node)
        for c in node.children:
            if c.i in owned and c.i != t.i:
                continue
            stack.append(c)
    return out


def _persons_before(ents: Entities, doc: Doc, i: int) -> list[Entity]:
    seen: list[Entity] = []
    starts = doc.user_data.get("lw_mention_starts")
    if starts is None or starts[0] is not ents:
        starts = doc.user_data["lw_mention_starts"] = (ents, _mention_starts(ents))
    for start, ent in starts[1]:
        if start >= i:
            break
        if ent.type == "person":
            if ent in seen:
                seen.remove(ent)
            seen.append(ent)
    return seen


def _mention_starts(ents: Entities) -> list[tuple[int, Entity]]:
    return sorted(((min(ent_tokens), e) for e in ents.entities for ent_tokens in _groups(e.tokens)),
                  key=lambda pair: pair[0])


def _groups(tokens: set[int]) -> list[list[int]]:
    out, cur = [], []
    for i in sorted(tokens):
        if cur and i != cur[-1] + 1:
            out.append(cur)
            cur = []
        cur.append(i)
    if cur:
        out.append(cur)
    return out


def _distance(a: Token, b: Token) -> int:
    """Path length between two tokens in the dependency tree."""
    anc_a = [a] + list(a.ancestors)
    anc_b = [b] + list(b.ancestors)
    pos_a = {t.i: k for k, t in enumerate(anc_a)}
    for k, t in enumerate(anc_b):
        if t.i in pos_a:
            return k + pos_a[t.i]
    return 99


@lru_cache(maxsize=1)
def _role_modifiers() -> frozenset[str]:
    return frozenset(ontology()["role_modifiers"])


@lru_cache(maxsize=1)
def _role_nouns() -> frozenset[str]:
    """Role words and their plurals, plus nouns for unnamed members ("commanders from LeT")."""
    from linkwatch.model.ontology import role_words
    words = set(role_words())
    return frozenset(words | {w + "s" for w in words} | {"leaders", "members", "officials", "delegation",
                                                         "representatives", "fighters", "militants", "cadres",
                                                         "activists", "supporters", "workers", "team", "men"})


def _path_ok(node: Token, stops: set[int], ents: Entities, ent: Entity) -> bool:
    """A party hangs from the trigger through role nouns and party prepositions only
    ("commanders from LeT"), not through another party, a date or a place ("chief of JUI", "a LeT facility")."""
    cur = node
    for _ in range(12):
        head = cur.head
        if head.i in stops:
            return cur.dep_ != "prep" or cur.lower_ in PARTY_PREPS
        if head.i == cur.i:
            return False
        other = ents.at(head.i)
        if other is not None and other is not ent:
            if other.type == "location" and cur.dep_ == "relcl":  # "Karachi, where he appeared alongside X"
                cur = head
                continue
            return cur.i == node.i and cur.dep_ == "conj" and other.type != "location"
        if head.ent_type_ in {"DATE", "TIME"}:
            return False
        if head.pos_ == "ADP" and head.lower_ not in PARTY_PREPS:
            return False
        if head.pos_ in {"NOUN", "PROPN"} and other is None and head.lower_ not in _role_nouns():
            return False
        if head.pos_ in {"VERB", "AUX"} and head.i not in stops and cur.dep_ not in {"prep", "agent"} \
                or head.pos_ in {"VERB", "AUX"} and head.dep_ not in {"relcl", "acl"} and head.i not in stops:
            return False
        cur = head
    return False


def _possessor(t: Token, ents: Entities) -> Entity | None:
    """"Hamas’ October 7 attack": the party named before the event noun, across dates and adjectives."""
    i = t.i - 1
    sent_start = t.sent.start
    while i >= sent_start and (t.doc[i].ent_type_ in {"DATE", "TIME", "CARDINAL", "ORDINAL"} or t.doc[i].pos_ in {"ADJ", "NUM"}
                               or (t.doc[i].pos_ == "NOUN" and t.doc[i].dep_ == "compound")):
        i -= 1
    if i >= sent_start + 1 and t.doc[i].text in {"’", "'", "’s", "'s"}:
        ent = ents.at(i - 1)
        if ent is not None and ent.type in {"person", "organization"}:
            return ent
    return None


def _segment(t: Token, doc: Doc, owned: set[int]) -> tuple[int, int] | None:
    """In a list of happenings ("the attack on X in 2001, the raid on Y in 2016 and ..."), the token
    range of this item: between the previous and the next trigger and list separator."""
    sent = t.sent
    later = [i for i in owned if i > t.i and sent.start <= i < sent.end]
    earlier = [i for i in owned if i < t.i and sent.start <= i < sent.end]
    if not later and not earlier:
        return None
    start = max(earlier) + 1 if earlier else sent.start
    for k in range(t.i - 1, start - 1, -1):
        if doc[k].text in {",", ";"} or doc[k].lower_ == "and":
            start = k + 1
            break
    else:
        if t.pos_ in {"NOUN", "PROPN"}:
            start = max(start, t.i - 5)  # the first item: its own words only
    end = min(later) if later else sent.end
    for k in range(t.i + 1, end):
        if doc[k].text in {",", ";"} or (doc[k].lower_ == "and" and k + 1 < end and doc[k + 1].lower_ in {"the", "a", "an"}):
            end = k
            break
    return (start, end) if end > start else None


def _segment_time(t: Token, doc: Doc, owned: set[int], timexes):
    """The one date inside this list item, else None (only lists need this)."""
    seg = _segment(t, doc, owned)
    if seg is None:
        return None
    start, end = seg
    lo, hi = doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)
    inside = [tx for tx in timexes if lo <= tx.start and tx.end <= hi and tx.value and tx.kind in {"date", "time"}
              and not _event_relative(tx)]
    return inside[0] if len(inside) == 1 else None


def _role_place(tok: Token) -> bool:
    """A place that says where someone holds a post: "its leader in Gaza", "deputy head of Hamas in
    the Gaza Strip", "who heads the Katiba Macina in central Mali"."""
    prep = tok.head
    if tok.dep_ != "pobj" or prep.lower_ not in {"in", "for"}:
        return False
    holder = prep.head
    if prep.i > 0 and prep.doc[prep.i - 1].text == ",":
        return False  # "met X, a LeT commander, in Gujranwala": the meeting's place after all
    if holder.lower_ in _role_nouns():
        return True
    return holder.pos_ == "VERB" and holder.lemma_.lower() in {"head", "lead", "command", "run"} and holder.dep_ == "relcl"


def _place_at(g: Token, ents: Entities) -> Entity | None:
    """The place a prepositional object names: "Doha", or "the edge of Moscow", "the outskirts of Kabul"."""
    ent = ents.at(g.i)
    if ent is not None:
        return ent if ent.type == "location" else None
    if g.lower_ in PLACE_NOUNS:
        for p in g.children:
            if p.dep_ == "prep" and p.lower_ == "of":
                for x in p.children:
                    e = ents.at(x.i)
                    if e is not None and e.type == "location":
                        return e
    return None


def _capital_metonymy(region: list[Token], ents: Entities) -> tuple[int, Entity] | None:
    """"in the Iranian capital": the capital of the adjective's country, when the document names it."""
    from linkwatch.extract import geo
    for node in region:
        if node.lower_ != "capital" or node.dep_ != "pobj" or node.head.lower_ not in PLACE_PREPS:
            continue
        adjective = next((c for c in node.children if c.dep_ == "amod" and c.ent_type_ == "NORP"), None)
        if adjective is None:
            continue
        country = geo.resolve_place(adjective.text)
        if country is None or country.kind != "country":
            continue
        capital = _capital_name(country.country)
        for ent in ents.entities:
            if ent.type == "location" and capital and ent.name.lower() == capital.lower():
                return (5, ent)
    return None


def _capital_name(code: str | None) -> str | None:
    from linkwatch.extract.entities import _capital_of
    return _capital_of(code)


def _sentence_place(t: Token, ents: Entities, owned: set[int]) -> tuple[int, Entity] | None:
    """The nearest place the sentence puts something at ("in X", "at X"), outside nested events."""
    best = None
    for tok in t.sent:
        ent = ents.at(tok.i)
        if ent is None or ent.type != "location" or ents.at(tok.head.i) is ent and tok.head.i != tok.i:
            continue
        if _role_place(tok):
            continue  # "X, deputy head of Hamas in the Gaza Strip, addressed ...": a description of X
        anchor = tok
        if tok.dep_ in {"poss", "compound"} and ents.at(tok.head.i) is None:
            if tok.head.i in owned or tok.head.i == t.i:
                continue  # "in a US drone strike": who struck, not where
            anchor = tok.head  # "at Gaza's Shati camp", "in the Sambisa forest"
        elif tok.dep_ == "pobj" and tok.head.lower_ == "of" and tok.head.head.lower_ in PLACE_NOUNS:
            anchor = tok.head.head  # "in the northern city of Gao"
        if anchor.dep_ == "pobj" and anchor.head.lower_ in {"in", "at"} and anchor.head.head.i not in owned:
            d = abs(tok.i - t.i)
            if best is None or d < best[0]:
                best = (d, ent)
    return best


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _event_relative(tx) -> bool:
    """"hours before", "a day after the killing": relative to a happening, not to a stated date."""
    if tx.anchor != "relative":
        return False
    text = tx.text.lower()
    return not any(ch.isdigit() for ch in text) and not any(m in text for m in _MONTHS)


def _offset_clause(t: Token) -> bool:
    """t sits in a clause set weeks, months or years apart from the sentence's date ("met in
    February 2019, weeks after Baradar was released"): that date is not this happening's."""
    for a in [t, *t.ancestors]:
        if a.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in {"after", "before"} for c in a.children) \
                and any(n.lower_ in {"weeks", "months", "years", "decades"} for c in a.children
                        for n in (c, *c.children) if c.dep_ in {"npadvmod", "mark"}):
            return True
        if a.dep_ == "ROOT":
            break
    return False


def _date_anaphor(tx, sent: Span, timexes) -> bool:
    """"on July 31 ... the previous evening": counted from a date stated earlier in the same sentence."""
    text = tx.text.lower()
    if not text.startswith(("the previous", "the following", "the next", "the same", "that ")):
        return False
    return any(o is not tx and o.anchor != "relative" and o.kind == "date" and sent.start_char <= o.start < tx.start
               for o in timexes)


def _paragraph_time(doc: Doc, t: Token, timexes) -> tuple[int, object] | None:
    """The last calendar date told earlier in the same paragraph (the narrative's current day)."""
    text = doc.user_data.get("lw_text")
    if text is None:  # doc.text rebuilds the string on every access
        text = doc.user_data["lw_text"] = doc.text
    sent_start = _sentences(doc)[_sentence_index(doc, t.i)].start_char
    start = text.rfind("\n", 0, sent_start) + 1
    best = None
    for tx in timexes:
        if start <= tx.start < sent_start and tx.value is not None and tx.kind in {"date", "time"} \
                and not tx.future and not text[max(0, tx.start - 7):tx.start].lower().strip().endswith(
                    ("since", "until", "by", "from", "before")):
            best = tx
    return (99, best) if best is not None else None


def _colon_list(parties: list[Entity], t: Token, doc: Doc, ents: Entities) -> None:
    """"sits with four other men: A, ...; B, ...", "Seated with him are A, ...; B, ...; and C":
    the people heading the items of a list that follows the trigger."""
    tail = doc[t.i:t.sent.end]
    colon = next((tok for tok in tail if tok.text == ":"), None)
    if colon is not None and colon.i - t.i <= 8:
        start = colon.i + 1
    elif any(tok.text == ";" for tok in tail):
        start = t.i + 1
    else:
        return
    heads = {start} | {tok.i + 1 for tok in doc[start:t.sent.end] if tok.text in {";", ":"}}
    heads |= {tok.i + 1 for tok in doc[start:t.sent.end] if tok.lower_ in {"are", "were", "and"}
              and tok.i - 1 >= 0 and doc[tok.i - 1].text in {";", ",", "him", "her", "them"} or tok.lower_ in {"are", "were"}}
    for i in sorted(heads):
        j = i
        while j < t.sent.end and doc[j].lower_ in {"and", "the", "a"}:
            j += 1
        ent = ents.at(j) if j < t.sent.end else None
        if ent is not None and ent.type == "person" and ent not in parties:
            parties.append(ent)


def _victims(t: Token, ents: Entities, persons_before) -> list[Entity]:
    out = []
    verb = t if t.pos_ == "VERB" else None
    if verb is None and t.head.pos_ == "VERB" and t.dep_ in {"nsubj"}:
        verb = t.head  # "a strike killed X"
    if verb is None:
        return out
    for c in verb.children:
        if (c.dep_ == "nsubjpass") or (c.dep_ == "dobj" and verb.lemma_.lower() in {"kill", "target", "assassinate", "shoot", "behead", "wound"}):
            for tok in [c, *c.conjuncts]:
                ent = _resolve(tok, ents, persons_before)
                if ent is not None:
                    out.append(ent)
    return out


def _coordinated(parties: list[Entity], region: list[Token], doc: Doc, ents: Entities) -> None:
    """'commanders from A and B': B joins A even when the parse attaches it elsewhere."""
    idx = {n.i for n in region}
    for tok in sorted(idx):
        ent = ents.at(tok)
        if ent is None or ent not in parties:
            continue
        j = tok + 1
        while j < len(doc) and ents.at(j) is ent:
            j += 1
        while j + 1 < len(doc) and doc[j].lower_ in {",", "and", "or", "&", ";"}:
            j += 1
            if doc[j].lower_ in {"and", "or"}:
                j += 1
            skipped = 0  # "Hamas, its long-time rival Fatah and ..."
            while j < len(doc) and ents.at(j) is None and skipped < 6 and (
                    doc[j].pos_ in {"DET", "PRON", "ADJ", "NOUN"} and doc[j].is_lower or doc[j].text == "-" and skipped) \
                    and (skipped or doc[j].lower_ in {"its", "their", "his", "her"}):
                j += 1
                skipped += 1
            nxt = ents.at(j) if j < len(doc) else None
            if nxt is None or nxt.type not in {"person", "organization"}:
                break
            while j < len(doc) and ents.at(j) is nxt:
                j += 1
            if nxt.type == "organization":
                # "NATO Secretary-General Jens Stoltenberg": the person the group's title introduces
                k = j
                while k < len(doc) and k - j < 5 and ents.at(k) is None and (
                        doc[k].lower_ in _role_nouns() or doc[k].text == "-" or doc[k].lower_ in {"general", "senior"}):
                    k += 1
                titled = ents.at(k) if k < len(doc) and k > j else None
                if titled is not None and titled.type == "person":
                    nxt, j = titled, k
                    while j < len(doc) and ents.at(j) is titled:
                        j += 1
            if nxt not in parties:
                parties.append(nxt)


def _arguments(event: Event, doc: Doc, ents: Entities, owned: set[int], timexes, persons_before,
               pair_before: list[Entity] | None = None) -> None:
    t = event.trigger
    verb = _clause_verb(t)
    region = _subtree_outside(t, owned)
    parties: list[Entity] = []

    def add(ent: Entity | None, *, countries: bool = False) -> None:
        if ent is not None and ent not in parties and (ent.type in {"person", "organization"}
                                                       or countries and ent.is_country):
            parties.append(ent)

    # the clause subject (a gathering noun inside "X addressed a rally": X)
    subj_ok = True
    if t.pos_ in {"NOUN", "PROPN"} and verb.i != t.i:
        subj_ok = verb.i not in owned and _support(t, verb)
    if subj_ok:
        for c in verb.children:
            if c.dep_ in _SUBJ:
                countries = event.type in CONTACT | {"other"} and t.pos_ == "VERB"
                add(_resolve(c, ents, persons_before), countries=countries)
                if event.type == "other" and t.pos_ == "VERB" and _unnamed_state(c):
                    add(_home_country(ents), countries=True)  # "The government proscribed JuD"
                for conj in c.conjuncts:
                    add(_resolve(conj, ents, persons_before), countries=countries)
        for partner in _co_subjects(verb):  # "Together with AQIM, it claimed ...": a second subject
            add(_resolve(partner, ents, persons_before))
        if verb.i != t.i:  # "the delegation to those talks was led by X": the support verb's agent
            for a in verb.children:
                if a.dep_ == "agent":
                    for ent in _named_objects(a, ents):
                        add(ent)
    # passive agent: "felicitated by X", "organised by X", "hosted by X"
    for node in region:
        if node.dep_ == "agent" or (node.lower_ == "by" and node.head.tag_ == "VBN"):
            organising = node.head.lemma_.lower() in ORGANISING
            for g in node.children:
                for ent in [_resolve(g, ents, persons_before)] + [_resolve(c, ents, persons_before) for c in g.conjuncts]:
                    if ent is None or ent.type not in {"organization", "person"}:
                        continue
                    if event.type in CONTACT and organising and event.organizer is None:
                        event.organizer, event.organizer_explicit = ent, True
                    else:
                        add(ent)
    if t.pos_ == "VERB" and event.type == "other":
        for c in t.children:  # "listed the group", "designated it", "charged them"
            if c.dep_ in {"dobj", "nsubjpass"} and ents.at(c.i) is None:
                if c.lower_ in {"them", "they"}:
                    for p in _plural_pronoun(c, ents):
                        add(p)
                else:
                    add(_resolve(c, ents, persons_before))
    if t.pos_ == "VERB" and any(c.dep_ == "auxpass" for c in t.children) and not any(c.dep_ == "agent" for c in t.children):
        # "was signed ... at a hotel in the capital by X": the agent the parser hung on a noun
        for node in region:
            if node.lower_ == "by" and node.dep_ == "prep" and node.head.pos_ in {"NOUN", "PROPN"} \
                    and ents.at(node.head.i) is None:
                for ent in _named_objects(node, ents):
                    add(ent)
    if t.pos_ == "VERB" and event.type in {"other", "attack"}:
        add(_relative_object(t, ents))  # "Hafiz Saeed, whom the UN sanctioned in 2008"
    # "held talks with X": the object noun of a phrase trigger is part of the trigger
    nouns = event_lexicon()[event.type]["nouns"]
    stops = {t.i, verb.i} | {c.i for c in t.children if c.dep_ == "dobj" and (c.lemma_.lower() in nouns or c.lower_ in nouns)}
    venue = None
    for node in region:
        if node.lower_ in {"him", "her"} and node.dep_ == "pobj" and node.head.lower_ in PARTY_PREPS - {"of", "by"}:
            add(_resolve(node, ents, persons_before))  # "seated with him", "talks with her"
    for node in region:
        if node.i == t.i:
            continue
        ent = ents.at(node.i)
        if ent is None or ent.type == "location" or ent in parties:
            continue
        if ents.at(node.head.i) is ent:  # not the head token of this mention
            continue
        prep = node.head.lower_ if node.dep_ == "pobj" else None
        if prep in {"at", "in"} and event.type in CONTACT and ent.type == "organization" and node.head.head in (t, verb):
            venue = venue or ent  # "at the Karachi Press Club": the venue, not a party
            continue
        if not _path_ok(node, stops, ents, ent):
            continue
        if prep == "of" and event.type not in CONTACT | {"attack"}:
            continue
        if event.type == "visit" and node.dep_ == "dobj":
            continue
        add(ent)
    if event.type == "attack" and t.pos_ == "VERB":
        # "Indian jets struck ...": the country of the attackers' nationality
        for c in t.children:
            if c.dep_ == "nsubj" and ents.at(c.i) is None:
                for a in c.children:
                    if a.dep_ in {"amod", "compound"} and a.ent_type_ == "NORP":
                        from linkwatch.extract.relations import _country_entity
                        add(_country_entity(a.text, ents), countries=True)
    attackers_mod: set[int] = set()
    if t.pos_ in {"NOUN", "PROPN"}:
        add(_possessor(t, ents))
        for c in t.children:  # "the Hamas-led attack", "a JUI-F-organised rally": who led it
            if c.dep_ == "amod" and c.lemma_.lower() in {"lead", "organise", "organize", "orchestrate", "plan", "claim"} \
                    and c.i > 0 and doc[c.i - 1].text == "-":
                for g in c.children:
                    ent = ents.at(g.i)
                    if ent is not None and ent.type in {"person", "organization"} and g.i < c.i:
                        add(ent)
        if event.type == "attack":
            for c in t.children:
                if c.dep_ in {"amod", "compound", "nmod"} and c.ent_type_ == "NORP" and ents.at(c.i) is None:
                    from linkwatch.extract.relations import _country_entity
                    add(_country_entity(c.text, ents), countries=True)
                # "a US drone strike": the country that struck, not the place struck
                for m in (c, *(g for g in c.children if g.dep_ in {"compound", "amod"})):
                    ent = ents.at(m.i)
                    if c.dep_ in {"compound", "amod", "nmod"} and m.dep_ in {"compound", "amod", "nmod"} \
                            and ent is not None and ent.is_country and m.i < t.i:
                        add(ent, countries=True)
                        attackers_mod.update(ent.tokens)
    if event.type == "meeting" and t.dep_ == "pobj":
        # "in Tehran for talks with Khamenei and with the then foreign minister, X": the second
        # "with" hangs from the first preposition, not from "talks"
        for cj in t.head.conjuncts:
            if cj.lower_ in {"with", "alongside"}:
                for g in cj.children:
                    if g.dep_ == "pobj":
                        ent = ents.at(g.i) or next((ents.at(a.i) for a in g.children if a.dep_ == "appos"
                                                    and ents.at(a.i) is not None), None)
                        add(ent)
    if event.type == "meeting":
        _colon_list(parties, t, doc, ents)
    _coordinated(parties, region, doc, ents)
    for c in verb.children:
        if c.dep_ in _SUBJ and c.lower_ in GROUP_NOUNS and any(g.lower_ in {"two", "both"} for g in c.children):
            for p in pair_before or ():
                if p not in parties:
                    parties.append(p)
    if event.organizer in parties:
        parties.remove(event.organizer)
    if event.type in {"other", "attack"}:
        parties = [p for p in parties if not _affiliation_only(p, t.sent, ents)]
    event.participants = parties
    if event.type == "attack":
        # "40 personnel were killed", "killed Fuad Shukr": targets, not authors
        event.roles.update({e.id: "target" for e in _victims(t, ents, persons_before)})
    # place: the nearest location attached by a place preposition (or the visit's object)
    best = None
    for node in region:
        ent = ents.at(node.i)
        if ent is None or ent.type != "location" or ents.at(node.head.i) is ent and node.head.i != node.i:
            continue
        if node.i in attackers_mod or _role_place(node):
            continue
        head = node.head
        while ents.at(head.i) is ent and head.head.i != head.i:
            head = head.head
        ok = (node.dep_ == "pobj" and head.lower_ in PLACE_PREPS | ({"on"} if event.type == "attack" else set())) \
            or (node.dep_ in {"compound", "poss"} and node.head.dep_ == "pobj"
                and node.head.head.lower_ in PLACE_PREPS | ({"on"} if event.type == "attack" else set())
                and ents.at(node.head.i) is None) \
            or (node.dep_ == "pobj" and head.lower_ == "of" and head.head.lower_ in PLACE_NOUNS) \
            or (event.type == "visit" and node.dep_ in {"dobj"}) \
            or (node.dep_ in {"compound", "nmod", "npadvmod"} and head.i == t.i) \
            or (node.dep_ == "compound" and ents.at(head.i) is None and head.lower_ not in _role_nouns()
                and (head.dep_ in {"nsubj", "dobj"} and (head.head.i == t.i or head.head.i == verb.i and verb.i not in owned)
                     or t.dep_ in {"relcl", "acl"} and head.i == t.head.i)) \
            or (node.dep_ in {"appos", "conj"} and best is not None)
        if ok:
            d = _distance(node, t)
            if best is None or d < best[0]:
                best = (d, ent)
    if best is None and t.dep_ in {"relcl", "acl"}:
        for c in t.head.children:  # "the Algiers Declaration that X signed", "a Lahore court jailed"
            ent = ents.at(c.i)
            if c.dep_ == "compound" and ent is not None and ent.type == "location" and ents.at(t.head.i) is None:
                best = (2, ent)
    if best is None and verb is not t:
        for c in verb.children:
            if c.dep_ == "prep" and c.lower_ in PLACE_PREPS | {"on"}:
                for g in c.children:
                    ent = _place_at(g, ents)
                    if ent is not None and g.i not in owned and (c.lower_ != "on" or ents.at(g.i) is None):
                        best = (9, ent)
    if best is None:
        best = _capital_metonymy(region, ents)
    if best is None:
        # "freed from a Pakistani jail": the country of the adjective, when the report names it
        from linkwatch.extract.relations import _country_entity
        for node in region:
            if node.dep_ == "amod" and node.ent_type_ == "NORP" and node.head.dep_ == "pobj" \
                    and node.head.head.lower_ in PLACE_PREPS | {"from"} and node.head.head.head.i == t.i \
                    and ents.at(node.head.i) is None:
                country = _country_entity(node.text, ents)
                if country is not None:
                    best = (8, country)
                    break
    seg = _segment(t, doc, owned) if t.pos_ in {"NOUN", "PROPN"} else None
    if seg is not None:
        in_item = [ents.at(i) for i in range(*seg) if ents.at(i) is not None and ents.at(i).type == "location"]
        if in_item and (best is None or best[1] not in in_item):
            best = (0, in_item[0])
    if best is None and venue is None and seg is None:
        best = _sentence_place(t, ents, owned)
    event.location = best[1] if best else venue
    # time: the nearest timex in the clause not owned by a nested trigger
    region_idx = {n.i for n in region} | ({n.i for n in _subtree_outside(verb, owned)} if verb.i != t.i else set())
    chosen = fallback = None
    vague = False
    sent = _sentences(doc)[_sentence_index(doc, t.i)]
    for tx in timexes:
        if tx.end <= sent.start_char or tx.start >= sent.end_char:
            continue
        span = doc.char_span(tx.start, tx.end, alignment_mode="expand")
        if span is None or _sentence_index(doc, span.start) != _sentence_index(doc, t.i):
            continue
        inside = any(tok.i in region_idx for tok in span)
        if tx.kind == "vague" and inside:
            vague = True
        if tx.value is None or tx.kind not in {"date", "time"} or (_event_relative(tx) and not _date_anaphor(tx, sent, timexes)):
            continue
        d = min(_distance(tok, t) for tok in span)
        if inside and (chosen is None or d < chosen[0]):
            chosen = (d, tx)
        elif not inside and (fallback is None or d < fallback[0]):
            fallback = (d, tx)
    segment = _segment_time(t, doc, owned, timexes)
    if segment is not None and (chosen is None or chosen[1] is not segment):
        chosen = (0, segment)  # "the raid on X in January 2016, and the attack on Y in September 2016"
    event.own_time = chosen is not None
    if chosen is None and not vague:
        chosen = None if _offset_clause(t) else (
            fallback or (_paragraph_time(doc, t, timexes) if PARAGRAPH_FALLBACK else None))
    event.time = chosen[1] if chosen else None
    event.vague = vague
    event.future = bool(event.time is not None and getattr(event.time, "future", False))
    # a quoted title right before a gathering noun: the “Al-Aqsa Storm” conference
    left = doc[max(t.sent.start, t.i - 8):t.i]
    text = left.text
    for open_q, close_q in (("“", "”"), ('"', '"'), ("‘", "’")):
        if close_q in text and open_q in text[: text.rfind(close_q)]:
            a = text.rfind(open_q, 0, text.rfind(close_q))
            name = text[a + 1:text.rfind(close_q)].strip()
            if name and text[text.rfind(close_q) + 1:].strip() == "":
                event.name = name
            break


# ---------------------------------------------------------------- assembly

def extract_events(doc: Doc, ents: Entities, timexes, *, members: dict[str, set[str]] | None = None) -> list[Event]:
    events: list[Event] = []
    negative = tuple(ontology()["negative_cues"])
    boiler = tuple(ontology()["boilerplate_prefixes"])
    for sent in doc.sents:
        if sent.text.strip().lower().startswith(boiler):
            continue
        triggers = _triggers(sent)
        _join_participant_nouns(sent, ents, events, _persons_before(ents, doc, sent.start))
        if not triggers:
            continue
        owned = {t.i for t, _ in triggers}
        persons_before = _persons_before(ents, doc, sent.start)
        local: list[Event] = []
        for t, kind in triggers:
            ev = Event(type=kind, trigger=t, sentences=[sent])
            ev.anaphoric = _is_anaphoric(t)
            ev.container = _is_container(t)
            _arguments(ev, doc, ents, owned - {t.i}, timexes, persons_before + _persons_in(ents, sent, t),
                       _last_pair(events))
            ev.modality = _event_modality(sent, t)
            window = doc[max(sent.start, t.i - 5):t.i + 1].text.lower()
            if any(cue in window for cue in negative):
                continue
            if _hypothetical(t):
                continue
            ev.future = ev.future or _future(t)
            local.append(ev)
        local = _split_dated_items(local, doc, ents, timexes)
        _witnesses(local, sent, ents)
        _split_coordinated_acts(local)
        _share_coordinated_parties(local)
        local = _merge_in_sentence(local)
        _attacks_on_gatherings(local)
        for ev in local:
            if ev.container:
                continue
            if ev.anaphoric:
                target = _antecedent(events, ev)
                if target is not None:
                    target.absorb(ev, arguments=False)
                    _inherit_siblings(local, ev, target)
                    continue
            if not ev.participants and ev.organizer is None and not (
                    ev.type == "attack" and (ev.location or ev.own_time and not ev.anaphoric)):
                continue  # (a dated attack may get its authors from a claim in the next sentences)
            if ev.time is None and ev.location is None and len(ev.parties()) < 2:
                continue  # nothing places it: a mention of a kind of happening, not a reported one
            events.append(ev)
    events = _merge_across(events, members)
    _attribute_perpetrators(doc, ents, events)
    events = [e for e in events if e.participants or e.organizer or e.location]
    _event_relative_times(doc, events, timexes)
    _discourse_times(events)
    _discourse_places(events)
    return events


def _discourse_places(events: list[Event]) -> None:
    """A meeting told without a place on the same day as a located happening just before it took
    place there ("had come to Tehran for the swearing-in ... On the same day he held talks with X")."""
    ordered = sorted(events, key=lambda e: e.sentences[0].start)
    for k, ev in enumerate(ordered):
        if ev.location is not None or ev.type not in CONTACT or _time_value(ev) is None:
            continue
        before = [e for e in ordered[:k] if e.location is not None and _time_value(e) == _time_value(ev)
                  and e.type != "attack"]
        if before:
            ev.location = before[-1].location


def _discourse_times(events: list[Event]) -> None:
    """A happening told without a date, right after a dated one, took place on that date: news
    narrates the day's events in order ("... signed on Saturday. In Kabul, Esper stood alongside
    Ghani as they released a declaration"). Only for contact events, never across a vague marker."""
    ordered = sorted(events, key=lambda e: e.sentences[0].start)
    last = None
    for ev in ordered:
        value = _time_value(ev)
        if value is not None:
            last = ev if not ev.future else last
            continue
        verb = _clause_verb(ev.trigger)
        if ev.vague or ev.future or ev.type not in CONTACT or last is None or verb.tag_ in {"VBZ", "VBP"}:
            continue  # (present tense describes a picture or a standing fact, not the day's news)
        ev.time = last.time


_SHIFT = re.compile(r"\b(?:(a|one|two|three|four|five|six|seven|\d+)\s+days?|the\s+day)\s+(before|after)\s+(?:the\s+|his\s+|her\s+|their\s+)?"
                    r"([a-z\-]+)", re.I)
_NUMBERS = {"a": 1, "one": 1, "the": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


def _event_relative_times(doc: Doc, events: list[Event], timexes) -> None:
    """"sworn in a day before the killing": a day-precise date from the event it is relative to."""
    from datetime import date, timedelta

    lex = event_lexicon()
    kind_of = {w: k for k, spec in lex.items() for w in spec["nouns"]}
    dated = [e for e in events if _time_value(e) and len(_time_value(e)) == 10]
    for ev in events:
        if _time_value(ev) is not None:
            continue
        for sent in ev.sentences[:1]:
            m = _SHIFT.search(sent.text)
            if m is None:
                continue
            kind = kind_of.get(m.group(3).lower())
            target = next((e for e in dated if e is not ev and e.type == kind), None) if kind else None
            if target is None:
                continue
            n = _NUMBERS.get(m.group(1).lower(), None) if m.group(1) else 1
            if n is None:
                n = int(m.group(1)) if m.group(1).isdigit() else 1
            day = date.fromisoformat(_time_value(target)) + timedelta(days=n if m.group(2).lower() == "after" else -n)
            ev.time = _Shifted(value=day.isoformat(), text=m.group(0))


@dataclass(frozen=True)
class _Shifted:
    """A date computed from another event's ("a day before the killing")."""
    value: str
    text: str
    kind: str = "date"
    anchor: str = "event"
    future: bool = False


def _attribute_perpetrators(doc: Doc, ents: Entities, events: list[Event]) -> None:
    """An attack told without its author takes the group said to claim or carry it out
    in the same sentence or the next two ("IS claimed responsibility", "blamed on JeM")."""
    cues = ontology()["perpetrator_cues"]
    sents = _sentences(doc)
    index = {s.start: k for k, s in enumerate(sents)}
    for ev in events:
        if ev.type != "attack" or any((p.type == "organization" or p.is_country) and ev.roles.get(p.id) != "target"
                                      for p in ev.participants):
            continue
        k = index.get(ev.sentences[0].start)
        if k is None:
            continue
        for sent in sents[k:k + 5] + sents[max(0, k - 2):k][::-1]:
            found = _claimant(doc, ents, sent, cues)
            if found is not None:
                if found not in ev.participants:
                    ev.participants.insert(0, found)
                from linkwatch.extract.relations import _attributed
                if _attributed(sent) and ev.modality == "asserted":
                    ev.modality = "reported"
                if sent.start != ev.sentences[0].start and all(s.start != sent.start for s in ev.sentences):
                    ev.sentences.append(sent)
                break


def _claimant(doc: Doc, ents: Entities, sent: Span, cues: dict) -> Entity | None:
    for t in sent:
        ent = ents.at(t.i)
        if ent is None or ent.type != "organization" or (t.i > sent.start and ents.at(t.i - 1) is ent):
            continue
        end = t.i
        while end + 1 < sent.end and ents.at(end + 1) is ent:
            end += 1
        stop = min(sent.end, end + 8)
        for k in range(end + 1, stop):
            other = ents.at(k)
            if other is not None and other is not ent and other.type in {"person", "organization"}:
                stop = k  # "Israel's military says Shukr was behind": the cue is Shukr's
                break
        after = doc[end + 1:stop].text.lower()
        before = doc[max(sent.start, t.i - 4):t.i].text.lower()
        if any(after.startswith(c) or f" {c}" in f" {after[:40]}" for c in cues["after"]) \
                or any(before.endswith(c) or before.endswith(c + " the") for c in cues["before"]):
            return ent
    return None


def _hypothetical(t: Token) -> bool:
    """"plans to attack", "vowed to avenge", "the next round of talks": not (yet) a happening."""
    cues = set(ontology()["hypothetical_cues"])
    doc = t.doc
    window = [w.lower_ for w in doc[max(t.sent.start, t.i - 4):t.i]]
    return any(w in cues for w in window)


def _future(t: Token) -> bool:
    words = set(ontology()["future_words"])
    doc = t.doc
    return any(w.lower_ in words for w in doc[max(t.sent.start, t.i - 4):t.i]) or any(
        c.lower_ in {"will", "shall"} for c in t.children)


def _join_participant_nouns(sent: Span, ents: Entities, events: list["Event"], persons_before) -> None:
    """"PIJ and the PFLP were among the other signatories": the subjects join the last contact event."""
    nouns = set(ontology()["participant_nouns"])
    for t in sent:
        if t.lower_ not in nouns or t.pos_ != "NOUN":
            continue
        verb = _clause_verb(t)
        subjects = [c for c in verb.children if c.dep_ in _SUBJ]
        found = []
        for c in subjects:
            for tok in [c, *c.conjuncts]:
                ent = _resolve(tok, ents, persons_before)
                if ent is not None and ent.type in {"person", "organization"} and ent not in found:
                    found.append(ent)
        sents, k = _sentences(sent.doc), _sentence_index(sent.doc, sent.start)
        window = {x.start for x in sents[max(0, k - 3):k + 1]}
        lemma = {"signatories": "sign", "signatory": "sign", "attendees": "attend", "mourners": "funeral",
                 "speakers": "address"}.get(t.lower_)
        target = next((e for e in reversed(events) if e.type in CONTACT and lemma
                       and lemma in {e.trigger.lemma_.lower(), e.trigger.lower_}), None) or \
            next((e for e in reversed(events) if e.type in CONTACT
                  and any(x.start in window for x in e.sentences)), None)
        if target is None or not found:
            continue
        for ent in found:
            if ent not in target.participants and ent is not target.organizer:
                target.participants.append(ent)
        if all(s.start != sent.start for s in target.sentences):
            target.sentences.append(sent)


def _plural_pronoun(token: Token, ents: Entities) -> list[Entity]:
    """"charged them": the people the previous sentence names, when it names two or more."""
    doc = token.doc
    k = _sentence_index(doc, token.i)
    if k == 0:
        return []
    prev = _sentences(doc)[k - 1]
    people: list[Entity] = []
    for tok in prev:
        ent = ents.at(tok.i)
        if ent is not None and ent.type == "person" and ent not in people:
            people.append(ent)
    return people if len(people) >= 2 else []


def _last_pair(events: list["Event"]) -> list[Entity] | None:
    """"the two men", "both leaders": the two people of the last event that had two."""
    for prev in reversed(events):
        people = [p for p in prev.participants if p.type == "person"]
        if prev.type == "meeting" and len(people) == 2:
            return people
    return None


def _persons_in(ents: Entities, sent: Span, t: Token) -> list[Entity]:
    out = []
    for tok in sent:
        if tok.i >= t.i:
            break
        e = ents.at(tok.i)
        if e is not None and e.type == "person" and e not in out:
            out.append(e)
    return out


def _event_modality(sent: Span, t: Token) -> str:
    before = sent.doc[sent.start:t.i + 1].text
    m = modality_of(before, allow=("denied", "alleged"))
    if m != "asserted":
        return m
    from linkwatch.extract.relations import _attributed
    return "reported" if (_attributed(sent) or modality_of(before, allow=("reported",)) == "reported") else "asserted"


def _is_ancestor(a: Token, b: Token) -> bool:
    return any(x.i == a.i for x in b.ancestors)


def _merge_in_sentence(local: list[Event]) -> list[Event]:
    """Triggers of one happening in one sentence become one event."""
    out: list[Event] = []
    for ev in local:
        host = None
        for other in sorted(out, key=lambda o: _distance(o.trigger, ev.trigger)):
            same_family = ev.type == other.type or {ev.type, other.type} <= CONTACT
            nested = _is_ancestor(other.trigger, ev.trigger) or _is_ancestor(ev.trigger, other.trigger)
            if ev.type == other.type and ev.trigger.pos_ == other.trigger.pos_ == "NOUN" and _compatible(ev, other) \
                    and any(c.lower_ == "the" for c in ev.trigger.children) and ev.trigger.i > other.trigger.i:
                host = other  # "the swearing-in of X ... among the guests at the ceremony": one ceremony
                break
            if not same_family or not nested:
                continue
            inner = ev if _is_ancestor(other.trigger, ev.trigger) else other
            via = {a.lower_ for a in inner.trigger.ancestors if a.dep_ == "prep"} | {inner.trigger.head.lower_}
            outer = other if inner is ev else ev
            if inner.trigger.head.i == outer.trigger.i and inner.trigger.dep_ in {"compound", "amod", "nmod"}:
                host = other  # "the signing ceremony": one happening, named by its head
                if outer is ev:
                    other.type = ev.type
                break
            direct = inner.trigger.head.i == outer.trigger.i and inner.trigger.dep_ in {"dobj", "attr", "xcomp", "pobj", "ccomp"}
            if ev.type == other.type and direct and not inner.container:
                host = other
                break
            if {ev.type, other.type} <= CONTACT and not inner.anaphoric and (
                    via & {"during", "at"} or _where_clause(inner.trigger, outer.trigger)):
                host = other
                break
            if same_family and _compatible(ev, other) and _verb_chain(inner.trigger, outer.trigger) \
                    and set(ev.parties()) & set(other.parties()) and not _own_counterparts(ev, other):
                host = other
                break
            if ev.type == other.type == "attack" and (_time_value(ev) is None or _time_value(other) is None
                                                       or _time_value(ev) == _time_value(other)):
                host = other  # "a strike on X, in Y, which killed 12": one attack, its places nested
                break
        if host is None:
            out.append(ev)
        else:
            if host.type == "gathering" and ev.type == "meeting" and _is_ancestor(ev.trigger, host.trigger):
                host.type = "meeting"
            host.anaphoric = host.anaphoric and ev.anaphoric
            host.container = host.container and ev.container
            host.absorb(ev)
    # a nested event with no time or place of its own takes its nearest host's
    # (a trip "where he addressed the media")
    for ev in out:
        hosts = [o for o in out if o is not ev and _is_ancestor(o.trigger, ev.trigger)]
        if not hosts:
            continue
        other = min(hosts, key=lambda o: _distance(o.trigger, ev.trigger))
        if _clause_break(*sorted((other.trigger, ev.trigger), key=lambda x: x.i)):
            continue  # a parse across a semicolon is no nesting
        if not _offset_clause(ev.trigger):
            ev.time = ev.time or other.time
        ev.location = ev.location or other.location
        if not ev.participants and ev.type in CONTACT | {"visit"}:
            ev.participants = [p for p in other.participants if p.type == "person"][:1]
        elif ev.type in CONTACT and other.type == "visit":  # "came to Tehran for the swearing-in of X", "for talks"
            ev.participants += [p for p in other.participants if p.type == "person" and p not in ev.participants]
    return out


def _split_coordinated_acts(local: list[Event]) -> None:
    """"X designated A in 2013, and added B to the list in 2018": two acts of one subject; a party
    named after the second verb is the second act's, however the parser attached it."""
    acts = sorted((e for e in local if e.trigger.pos_ == "VERB"), key=lambda e: e.trigger.i)
    for first, second in zip(acts, acts[1:]):
        if first.type != "other" and not _clause_break(first.trigger, second.trigger):
            continue
        semis = [x.i for x in first.trigger.doc[first.trigger.i:second.trigger.i] if x.text == ";"]
        cut = semis[-1] if semis else second.trigger.i
        sent = first.trigger.sent
        moved = [p for p in first.participants
                 if not any(sent.start <= t < cut for t in p.tokens) and any(cut < t < sent.end for t in p.tokens)]
        for p in moved:
            first.participants.remove(p)
            if p not in second.participants:
                second.participants.append(p)


_WITNESS = re.compile(r"\b(?:watched|witnessed|attended|observed) by\b|\bin the presence of\b|\bwith\b(?=[^;]{0,80}\bin attendance\b)", re.I)


def _witnesses(local: list[Event], sent: Span, ents: Entities) -> None:
    """"signed the deal, watched by X and Y", "with X in attendance", "in the presence of X": the
    people present take part in the signing or meeting (parsers attach these phrases anywhere)."""
    contact = [e for e in local if e.type in CONTACT]
    if not contact:
        return
    doc = sent.doc
    for m in _WITNESS.finditer(sent.text):
        span = doc.char_span(sent.start_char + m.start(), sent.start_char + m.end(), alignment_mode="expand")
        if span is None:
            continue
        end = sent.end
        for k in range(span.end, sent.end):
            if doc[k].text == ";" or doc[k].lower_ == "attendance":
                end = k
                break
        event = min(contact, key=lambda e: abs(e.trigger.i - span.start))
        for k in range(span.end, end):
            ent = ents.at(k)
            if ent is not None and ent.type == "person" and ent not in event.participants and ent is not event.organizer:
                event.participants.append(ent)


def _split_dated_items(local: list[Event], doc: Doc, ents: Entities, timexes) -> list[Event]:
    """"IS-K bombed Kabul airport in August 2021, Kerman in January and Crocus City Hall outside
    Moscow in March": one verb, a list of targets each with its own date, three happenings."""
    out: list[Event] = []
    for ev in local:
        t = ev.trigger
        if t.pos_ != "VERB" or ev.type not in {"attack", "visit", "other"} or len(local) > 1:
            out.append(ev)
            continue
        end = t.sent.end - (1 if t.sent[-1].is_punct else 0)
        chunks, start = [], t.i + 1
        for k in range(t.i + 1, end + 1):
            if k == end or doc[k].text in {",", ";"} or doc[k].lower_ == "and":
                if k > start:
                    chunks.append((start, k))
                start = k + 1
        items = []
        for a, b in chunks:
            lo, hi = doc[a].idx, doc[b - 1].idx + len(doc[b - 1].text)
            dates = [tx for tx in timexes if lo <= tx.start and tx.end <= hi and tx.value and tx.kind in {"date", "time"}]
            named = [ents.at(k) for k in range(a, b) if ents.at(k) is not None and ents.at(k).type != "person"]
            if named and len(dates) == 1:
                items.append((named, dates[0]))
            elif named or dates:
                items = []
                break
        if len(items) < 2 or len({tx.value for _, tx in items}) < 2:
            out.append(ev)
            continue
        listed = {id(e) for named, _ in items for e in named}
        authors = [p for p in ev.participants if id(p) not in listed and min(p.tokens) < t.i]
        for named, tx in items:
            part = Event(type=ev.type, trigger=t, sentences=list(ev.sentences), modality=ev.modality)
            part.participants = list(authors)
            place = next((e for e in named if e.type == "location"), None)
            part.location = place
            part.time, part.own_time, part.future = tx, True, bool(getattr(tx, "future", False))
            out.append(part)
    return out


def _share_coordinated_parties(local: list[Event]) -> None:
    """"responsible for the attack on X in 2001, the strike on Y in 2016 and the raid on Z": the
    items of one list of happenings share the parties the list is said of."""
    nouns = sorted((e for e in local if e.trigger.pos_ in {"NOUN", "PROPN"}), key=lambda e: e.trigger.i)
    for prev, ev in zip(nouns, nouns[1:]):
        if ev.participants or ev.organizer or prev.type != ev.type:
            continue
        between = prev.trigger.doc[prev.trigger.i + 1:ev.trigger.i]
        if any(x.pos_ in {"VERB", "AUX"} or x.text == ";" for x in between) or not any(
                x.text == "," or x.lower_ == "and" for x in between):
            continue  # not items of one list
        ev.participants = [p for p in prev.participants if prev.roles.get(p.id) != "target"]


def _clause_break(a: Token, b: Token) -> bool:
    """A semicolon between two verbs: two statements."""
    return any(x.text == ";" for x in a.doc[a.i:b.i])


def _attacks_on_gatherings(local: list[Event]) -> None:
    """"the bombing of a JUI-F convention in Khar", "bombings at a memorial in Kerman": the gathering
    is where the attack struck. The attackers did not attend it, its people are not the attackers,
    and its place is the attack's."""
    for attack in (e for e in local if e.type == "attack"):
        for gathering in (e for e in local if e.type == "gathering"):
            g = gathering.trigger
            nested = _is_ancestor(attack.trigger, g) and any(
                a.dep_ == "prep" and a.lower_ in {"of", "at", "on", "against", "targeting"}
                for a in g.ancestors if _is_ancestor(attack.trigger, a))
            sibling = g.dep_ == "pobj" and g.head.lower_ in {"at", "on"} and _is_ancestor(g.head.head, attack.trigger)
            if not nested and not sibling:
                continue
            inside = {id(p) for p in _entities_under(g, gathering.participants + [gathering.organizer])}
            gathering.participants = [p for p in gathering.participants if id(p) in inside]
            attack.participants = [p for p in attack.participants if id(p) not in inside]
            if gathering.location is not None and (attack.location is None or attack.location.is_country):
                attack.location = gathering.location


def _entities_under(t: Token, candidates: list[Entity | None]) -> list[Entity]:
    """The candidates with a mention inside t's subtree."""
    span = {x.i for x in t.subtree}
    return [c for c in candidates if c is not None and c.tokens & span]


def _own_counterparts(a: Event, b: Event) -> bool:
    """"He held talks with X, and was received by Y": each meeting has a person the other lacks."""
    pa = {p.id for p in a.participants if p.type == "person"}
    pb = {p.id for p in b.participants if p.type == "person"}
    return bool(pa - pb) and bool(pb - pa) and a.type == b.type == "meeting"


def _where_clause(inner: Token, outer: Token) -> bool:
    """"the conference in Karachi, where he appeared alongside X": the same happening."""
    cur = inner
    while cur.i != outer.i and cur.head.i != cur.i:
        if cur.dep_ == "relcl" and any(c.lower_ in {"where", "at which", "during which"} for c in cur.children):
            return True
        cur = cur.head
    return False


def _compatible(a: Event, b: Event) -> bool:
    loc_ok = a.location is None or b.location is None or a.location is b.location
    ta, tb = _time_value(a), _time_value(b)
    return loc_ok and (ta is None or tb is None or ta == tb)


def _verb_chain(inner: Token, outer: Token) -> bool:
    """inner hangs from outer through verbs only (conj, xcomp, ccomp): one clause chain, one subject."""
    cur = inner
    while cur.i != outer.i:
        if cur.dep_ not in {"conj", "xcomp", "ccomp", "advcl", "dobj"} or cur.head.i == cur.i:
            return False
        cur = cur.head
    return True


def _antecedent(events: list[Event], ev: Event) -> Event | None:
    family = CONTACT if ev.type in CONTACT else {ev.type}
    for prev in reversed(events[-6:]):
        if prev.type in family and (not ev.own_time or _compatible(ev, prev)) and (not ev.participants or set(ev.parties()) & set(prev.parties())
                                    or {p.id for p in ev.participants if p.type == 'person'} <= prev.parties()):
            return prev
    return None


def _inherit_siblings(local: list[Event], ana: Event, target: Event) -> None:
    """"During the visit, he addressed a rally": the rally happens at the visit's place and time."""
    for ev in local:
        if ev is ana or ev.anaphoric:
            continue
        if _is_ancestor(ev.trigger, ana.trigger):
            ev.location = ev.location or target.location
            ev.time = ev.time or target.time


def _time_value(ev: Event):
    return getattr(ev.time, "value", None) if ev.time is not None else None


def _lifted(ev: Event, members: dict[str, set[str]]) -> set[str]:
    out = set()
    for p in ev.participants:
        out |= {p.id} if p.type == "organization" else members.get(p.id, set())
    return out


def _summary_of(summary: Event, detail: Event, members: dict[str, set[str]]) -> bool:
    """"a meeting between leaders of A and B" told again as "X (of A) met Y (of B)"."""
    if summary.type != detail.type or summary.type not in CONTACT or not _compatible(summary, detail):
        return False
    orgs = {p.id for p in summary.participants}
    if not orgs or any(p.type == "person" for p in summary.participants):
        return False
    persons = [p for p in detail.participants if p.type == "person"]
    return len(orgs) >= 2 and orgs <= _lifted(detail, members) and len(persons) >= 2


def _merge_across(events: list[Event], members: dict[str, set[str]] | None = None) -> list[Event]:
    """Same type, same parties (or one's parties contained in the other's), same time and compatible place."""
    members = members or {}
    out: list[Event] = []
    for ev in events:
        host = None
        for prev in out:
            if _summary_of(prev, ev, members):
                ev.absorb(prev, arguments=False)
                ev.sentences.sort(key=lambda s: s.start)
                out[out.index(prev)] = ev
                host = ev
                break
            if _summary_of(ev, prev, members):
                prev.absorb(ev, arguments=False)
                host = ev
                break
            if prev.type != ev.type or _time_value(prev) != _time_value(ev):
                continue
            if prev.location and ev.location and prev.location is not ev.location:
                continue
            a, b = prev.parties(), ev.parties()
            persons_a = {p.id for p in prev.participants if p.type == "person"}
            persons_b = {p.id for p in ev.participants if p.type == "person"}
            if (a == b) or (persons_a and persons_a == persons_b and len(persons_a) >= 2) \
                    or (_time_value(ev) is not None and (a <= b or b <= a) and (a or prev.location or ev.location)):
                host = prev
                break
        if host is None:
            out.append(ev)
        elif host is not ev:
            host.absorb(ev)
    return out
