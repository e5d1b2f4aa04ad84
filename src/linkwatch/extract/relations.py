"""Static ties between entities: member_of (with role), front_of, offshoot_of, allied_with, designated_by.

Patterns are general shapes of news English (pre-modifying titles,
appositions, possessives, "led by", cue phrases between two organisations,
"X-designated"); the words they look for live in ``data/ontology.yaml``.
"""
from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from linkwatch.extract.entities import Entities, Entity
from linkwatch.extract.modality import modality_of
from linkwatch.model.ontology import ontology, role_words

ORGLIKE = {"organization", "location"}
_STOP_POS = {"VERB", "AUX", "ADP", "SCONJ", "CCONJ", "PRON"}


@dataclass
class Relation:
    subject: Entity
    predicate: str
    object: Entity
    role: str | None
    modality: str
    sentence: Span
    confidence: float = 0.8


def _roles_in(tokens: list[Token]) -> str | None:
    """The role phrase in a window ("senior commander", "prime minister"), or None."""
    words = [t.lower_ for t in tokens]
    roles = role_words()
    found = None
    for n in (3, 2, 1):
        for i in range(len(words) - n + 1):
            if " ".join(words[i:i + n]) in roles:
                found = (i, i + n)
                break
        if found:
            break
    if not found:
        return None
    i, j = found
    mods = set(ontology()["role_modifiers"])
    before = [w for w in words[:i] if w in mods]
    return " ".join(dict.fromkeys(before + words[i:j]))


def _object_ok(ent: Entity | None, person: Entity) -> bool:
    if ent is None or ent is person:
        return False
    return ent.type == "organization" or ent.is_country


def _window_entity(window: list[Token], ents: Entities, person: Entity) -> Entity | None:
    """The organisation (or country) the role belongs to: "the leader of Hamas's rival Fatah movement" → Fatah;
    a nationality adjective stands for its country ("Iranian President X")."""
    found: list[tuple[Entity, bool]] = []
    for k, t in enumerate(window):
        ent = ents.at(t.i)
        if ent is None and t.ent_type_ == "NORP":
            ent = _country_entity(t.text, ents)
        if _object_ok(ent, person) and all(e is not ent for e, _ in found):
            nxt = window[k + 1] if k + 1 < len(window) else None
            possessive = nxt is not None and nxt.text in {"'s", "’s", "’", "'"} and ents.at(nxt.i) is None
            found.append((ent, possessive))
    for ent, possessive in found:
        if not possessive or ent is found[-1][0]:
            return ent
    return None


def _country_entity(adjective: str, ents: Entities) -> Entity | None:
    """The document's entity for the country a nationality adjective names, if the document names it."""
    from linkwatch.extract import geo
    place = geo.resolve_place(adjective)
    if place is None or place.kind != "country":
        return None
    for ent in ents.entities:
        if ent.is_country and ent.place.country == place.country:
            return ent
    return None


def member_relations(doc: Doc, ents: Entities) -> list[Relation]:
    out: list[Relation] = []
    honorifics = set(ontology()["honorifics"])
    for person in [e for e in ents.entities if e.type == "person"]:
        spans = _mention_spans(doc, person)
        for span in spans:
            sent = span.sent
            # (a) pre-modifiers: "Senior Hamas commander Naji Zaheer", "Qatar's prime minister, Sheikh X"
            window: list[Token] = []
            i = span.start - 1
            while i >= sent.start and doc[i].lower_ in honorifics and ents.at(doc[i].i) is None:
                i -= 1
            if i >= sent.start and doc[i].text == "," and i - 1 >= sent.start:
                i -= 1
            while i >= sent.start:
                t = doc[i]
                owner = ents.at(i)
                if owner is person:
                    break
                if t.is_punct and t.text not in {"-", "'s", "’s", "’", "'", "(", ")"}:
                    break
                if owner is None and t.pos_ in _STOP_POS and t.text not in {"'s", "’s"} and not _hyphen_part(t):
                    break
                window.insert(0, t)
                i -= 1
            role = _roles_in(window)
            obj = _window_entity(window, ents, person) if role else None
            if role and obj:
                out.append(Relation(person, "member_of", obj, role, _clause_modality(sent, span), sent))
                continue
            # (b) apposition or copula after: "X, a Lashkar-e-Taiba commander", "X, chief of Y", "X was a Y official"
            j = span.end
            if j < sent.end and (doc[j].text == "," or doc[j].lemma_ == "be"):
                j += 1
                window = []
                seen_of = False
                while j < sent.end:
                    t = doc[j]
                    owner = ents.at(j)
                    if owner is person:
                        break
                    if t.is_punct and t.text not in {"-", "'s", "’s", "’", "'"}:
                        break
                    if owner is None and t.pos_ in {"VERB", "AUX", "SCONJ", "PRON"} and t.text not in {"'s", "’s"} \
                            and not _hyphen_part(t) and not (t.dep_ == "amod" and t.tag_ == "VBN"):
                        break
                    if owner is None and t.pos_ == "ADP" and t.lower_ not in {"of", "for", "in"}:
                        break
                    seen_of = seen_of or t.lower_ == "of"
                    window.append(t)
                    j += 1
                role = _roles_in(window)
                obj = _window_entity(window, ents, person) if role else None
                if role and obj:
                    out.append(Relation(person, "member_of", obj, role, _clause_modality(sent, span), sent))
                    continue
    out.extend(_led_by(doc, ents))
    out.extend(_who_heads(doc, ents))
    out.extend(_copula(doc, ents))
    return _dedupe(out)


HEADING_VERBS = {"head": "head", "heads": "head", "headed": "head", "lead": "leader", "leads": "leader",
                 "led": "leader", "founded": "founder", "co-founded": "co-founder", "commands": "commander",
                 "commanded": "commander", "chairs": "chairman", "runs": "head", "ran": "head"}


def _who_heads(doc: Doc, ents: Entities) -> list[Relation]:
    """"X, who heads/leads/founded Y", "X founded Y", "X, who co-founded LeT" → X member_of Y."""
    out = []
    for t in doc:
        role = HEADING_VERBS.get(t.lower_)
        if role is None or t.pos_ not in {"VERB", "AUX"}:
            continue
        subj = next((c for c in t.children if c.dep_ == "nsubj"), None)
        person = None
        if subj is not None and subj.lower_ in {"who", "which"} and t.dep_ == "relcl":
            person = ents.at(t.head.i)
        elif subj is not None:
            person = ents.at(subj.i)
        obj = next((c for c in t.children if c.dep_ == "dobj"), None)
        org = ents.at(obj.i) if obj is not None else None
        if org is None and obj is not None:
            org = next((ents.at(d.i) for d in obj.subtree if ents.at(d.i) and ents.at(d.i).type == "organization"), None)
        if person is not None and person.type == "person" and org is not None and org.type == "organization":
            sent = t.sent
            window = doc[max(sent.start, t.i - 6):t.i].text
            out.append(Relation(person, "member_of", org, role, modality_of(window, allow=("alleged", "denied")), sent))
    return out


def _hyphen_part(t: Token) -> bool:
    """"Pakistan-based", "US-backed": the verb is half of a hyphenated adjective."""
    doc = t.doc
    return (t.i > 0 and doc[t.i - 1].text == "-") or (t.i + 1 < len(doc) and doc[t.i + 1].text == "-")


def _copula(doc: Doc, ents: Entities) -> list[Relation]:
    """"Azhar, a cleric ..., was a leader of Harkat-ul-Ansar" → member_of, by the parse."""
    out = []
    for t in doc:
        if t.lemma_ != "be" or t.pos_ not in {"AUX", "VERB"}:
            continue
        subj = next((c for c in t.children if c.dep_ == "nsubj"), None)
        attr = next((c for c in t.children if c.dep_ == "attr"), None)
        if subj is None or attr is None:
            continue
        person = ents.at(subj.i)
        if person is None or person.type != "person":
            continue
        window = [w for w in attr.subtree if w.i > t.i][:14]
        role = _roles_in(window)
        obj = _window_entity(window, ents, person) if role else None
        if role and obj:
            out.append(Relation(person, "member_of", obj, role, _clause_modality(t.sent, doc[subj.i:subj.i + 1]), t.sent))
    return out


def _clause_modality(sent: Span, span: Span) -> str:
    before = sent.doc[sent.start:span.start].text
    near = sent.doc[span.start:min(sent.end, span.end + 12)].text
    m = modality_of(near, allow=("alleged", "denied"))
    if m != "asserted":
        return m
    return modality_of(sent.text, allow=("reported",)) if _attributed(sent) else modality_of(before, allow=("alleged",))


def _attributed(sent: Span) -> bool:
    """A statement attributed to someone else: "according to", or a reporting verb with a subject."""
    text = sent.text.lower()
    if "according to" in text:
        return True
    for t in sent:
        if t.lemma_ in {"say", "tell", "claim", "allege", "report"} and t.dep_ in {"ROOT", "parataxis", "ccomp"} \
                and any(c.dep_ in {"nsubj", "nsubjpass"} for c in t.children) and t.i > sent.start + 3:
            return True
    return False


def _led_by(doc: Doc, ents: Entities) -> list[Relation]:
    out = []
    for t in doc:
        if t.lower_ in {"led", "headed", "founded", "run", "commanded"} and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "by":
            sent = t.sent
            person = next((ents.at(k) for k in range(t.i + 2, min(sent.end, t.i + 6))
                           if ents.at(k) and ents.at(k).type == "person"), None)
            org = next((ents.at(k) for k in range(t.i - 1, max(sent.start, t.i - 12) - 1, -1)
                        if ents.at(k) and ents.at(k).type == "organization"
                        and not _after_by(doc, k, ents)), None)
            if person and org:
                role = {"led": "leader", "headed": "head", "founded": "founder"}.get(t.lower_, "leader")
                window = doc[max(sent.start, t.i - 6):t.i].text
                out.append(Relation(person, "member_of", org, role, modality_of(window), sent))
    return out


def _after_by(doc: Doc, k: int, ents: Entities) -> bool:
    """Is the mention at token k the agent of a passive ("by the United Nations")?"""
    ent = ents.at(k)
    j = k
    while j > 0 and ents.at(j - 1) is ent:
        j -= 1
    while j > 0 and doc[j - 1].lower_ in {"the", "a", "an"}:
        j -= 1
    return j > 0 and doc[j - 1].lower_ == "by"


def _mention_spans(doc: Doc, ent: Entity) -> list[Span]:
    spans = []
    for start, end, _ in ent.mentions:
        span = doc.char_span(start, end)
        if span is not None:
            spans.append(span)
    return spans


def _dedupe(relations: list[Relation]) -> list[Relation]:
    seen, out = set(), []
    for r in relations:
        key = (r.subject.id, r.predicate, r.object.id) if r.predicate != "allied_with" else \
            (min(r.subject.id, r.object.id), r.predicate, max(r.subject.id, r.object.id))
        if key not in seen and r.subject is not r.object:
            seen.add(key)
            out.append(r)
    return out


def cue_relations(doc: Doc, ents: Entities) -> list[Relation]:
    """front_of / offshoot_of / allied_with from cue phrases between two organisations."""
    out = []
    cues = ontology()["relation_cues"]
    by_first: dict[str, list[tuple[str, list[str]]]] = {}
    for predicate, specs in cues.items():
        for spec in specs:
            by_first.setdefault(spec["cue"][0], []).append((predicate, spec["cue"]))
    for sent in doc.sents:
        words = [t.lower_ for t in sent]
        for i, word in enumerate(words):
            for predicate, cue in by_first.get(word, ()):
                n = len(cue)
                if words[i:i + n] != cue:
                    continue
                ci, cj = sent.start + i, sent.start + i + n
                subj = _nearest_org(doc, ents, ci - 1, sent.start, -1)
                objs = _orgs_after(doc, ents, cj, sent.end, many=predicate == "allied_with" and cue[0] in {"merger", "coalition"})
                if not subj or not objs:
                    continue
                window = doc[max(sent.start, ci - 10):cj].text
                modality = modality_of(window, allow=("denied", "alleged"))
                if modality == "asserted" and _attributed(sent):
                    modality = "reported"
                for obj in objs:
                    if obj is not subj:
                        out.append(Relation(subj, predicate, obj, None, modality, sent, 0.7))
    return _dedupe(out)


def _nearest_org(doc: Doc, ents: Entities, i: int, stop: int, step: int) -> Entity | None:
    while (i >= stop if step < 0 else i < stop):
        ent = ents.at(i)
        if ent is not None and ent.type == "organization":
            return ent
        i += step
    return None


def _orgs_after(doc: Doc, ents: Entities, i: int, stop: int, *, many: bool) -> list[Entity]:
    found: list[Entity] = []
    j = i
    while j < stop:
        ent = ents.at(j)
        if ent is not None and ent.type == "organization" and ent not in found:
            found.append(ent)
            if not many:
                break
        elif not many and doc[j].pos_ == "VERB":
            break
        j += 1
    return found


def designation_relations(doc: Doc, ents: Entities) -> list[Relation]:
    spec = ontology()["designation"]
    verbs = set(spec["verbs"])
    out = []
    for sent in doc.sents:
        for t in sent:
            if t.lower_ not in verbs:
                continue
            # "US-designated terrorist organisations": designator glued by a hyphen
            if t.i >= 2 and doc[t.i - 1].text == "-":
                designator = ents.at(t.i - 2)
                if designator and designator.type in ORGLIKE:
                    for ent in _orgs_in(sent, ents):
                        if ent is not designator:
                            out.append(Relation(ent, "designated_by", designator, None,
                                                _near_modality(doc, t), sent, 0.7))
                continue
            if t.pos_ not in {"VERB", "AUX"} and t.dep_ not in {"ROOT", "relcl", "acl", "advcl", "conj"}:
                continue
            agents: list[Entity] = []
            objs: list[Entity] = []
            for child in t.children:
                if child.dep_ == "nsubj":
                    agents += _with_conjuncts(child, ents)
                elif child.dep_ in {"nsubjpass", "dobj"}:
                    objs += _with_conjuncts(child, ents)
                elif child.dep_ == "agent":
                    for g in child.children:
                        agents += _with_conjuncts(g, ents)
            if t.dep_ in {"acl", "relcl"} and not objs:
                head = t.head
                if ents.at(head.i) is not None:
                    objs.append(ents.at(head.i))
                elif head.dep_ == "appos" and ents.at(head.head.i) is not None:
                    objs.append(ents.at(head.head.i))
            for agent in agents:
                for obj in objs:
                    if agent is not obj and obj.type == "organization" and agent.type in ORGLIKE:
                        out.append(Relation(obj, "designated_by", agent, None, _near_modality(doc, t), sent, 0.7))
    return _dedupe(out)


def _with_conjuncts(token: Token, ents: Entities) -> list[Entity]:
    out = []
    for tok in [token, *token.conjuncts]:
        ent = ents.at(tok.i)
        if ent is None and tok.dep_ in {"dobj", "nsubjpass"}:
            from linkwatch.extract.events import _resolve  # "designated it", "listed the group"
            ent = _resolve(tok, ents, [])
        if ent is None:
            continue
        if ent not in out:
            out.append(ent)
    return out


def _near_modality(doc: Doc, t: Token) -> str:
    window = doc[max(t.sent.start, t.i - 6):min(t.sent.end, t.i + 3)].text
    return modality_of(window, allow=("denied", "alleged"))


def _entity_in(token: Token, ents: Entities) -> Entity | None:
    ent = ents.at(token.i)
    if ent is not None:
        return ent
    for d in token.subtree:
        ent = ents.at(d.i)
        if ent is not None and ent.type in ORGLIKE:
            return ent
    return None


def _orgs_in(sent: Span, ents: Entities) -> list[Entity]:
    seen = []
    for t in sent:
        ent = ents.at(t.i)
        if ent is not None and ent.type == "organization" and ent not in seen and _militant(ent):
            seen.append(ent)
    return seen


def _militant(ent: Entity) -> bool:
    if not ent.org_id:
        return True
    from linkwatch.model import reference
    org = reference.organizations().get(ent.org_id)
    return org is None or org.kind not in {"state", "international", "media"}


def reference_cue_relations(doc: Doc, ents: Entities) -> list[Relation]:
    """A cue word in a sentence naming an organisation ("its Afghan branch", "a front for ...") plus
    a tie the reference data records between it and another organisation the document names."""
    from linkwatch.model import reference
    cue_words = {
        "offshoot_of": {"branch", "affiliate", "offshoot", "faction", "wing", "province", "splinter", "arm", "chapter"},
        "front_of": {"front"},
        "allied_with": {"merger", "merged", "alliance", "allied", "allegiance", "coalition", "unites", "united"},
    }
    by_ref = {e.org_id: e for e in ents.entities if e.org_id}
    orgs = reference.organizations()
    out = []
    for sent in doc.sents:
        in_sentence = {ents.at(t.i) for t in sent if ents.at(t.i) is not None}
        for t in sent:
            ent = ents.at(t.i)
            if ent is None or not ent.org_id or (t.i > sent.start and ents.at(t.i - 1) is ent):
                continue
            org = orgs.get(ent.org_id)
            if org is None:
                continue
            near = {w.lower_ for w in doc[max(sent.start, t.i - 6):min(sent.end, t.i + 8)]}
            for predicate, cues in cue_words.items():
                if not near & cues:
                    continue
                for target_id in getattr(org, predicate):
                    target = by_ref.get(target_id)
                    if target is None or target is ent:
                        continue
                    if predicate == "allied_with" and target not in in_sentence:
                        continue
                    modality = modality_of(sent.text, allow=("denied", "alleged"))
                    out.append(Relation(ent, predicate, target, None, modality, sent, 0.6))
    return out


def _country_entities(ents: Entities) -> dict[str, Entity]:
    out: dict[str, Entity] = {}
    for ent in ents.entities:
        if ent.is_country and ent.place.country:
            out.setdefault(ent.place.country, ent)
    return out


def reference_memberships(doc: Doc, ents: Entities, stated: list[Relation] = (), *,
                          year: int | None = None) -> list[Relation]:
    """A person the reference lists (data/people*.yaml) with a role in an organisation or country that
    the document also names: member_of, when the text gives the person a title or names both in one sentence."""
    try:
        from linkwatch.model import people
    except ImportError:  # reference list not installed
        return []
    by_org = {e.org_id: e for e in ents.entities if e.org_id}
    countries = _country_entities(ents)
    roles = role_words()
    has_stated = {r.subject.id for r in stated if r.predicate == "member_of"}
    out = []
    for person in (e for e in ents.entities if e.type == "person"):
        ref = person.person_ref
        if ref is None:
            continue
        spans = _mention_spans(doc, person)
        titled = any(any(t.lower_ in roles for t in doc[max(sp.sent.start, sp.start - 3):sp.start])
                     or any(t.lower_ in roles for t in doc[sp.end:min(sp.sent.end, sp.end + 5)]) for sp in spans)
        for role in people.roles_at(ref.id, year):
            target = countries.get(role.org.split(":", 1)[1]) if role.org.startswith("country:") else by_org.get(role.org)
            if target is None or target is person:
                continue
            together = [sp.sent for sp in spans if any(ents.at(t.i) is target for t in sp.sent)]
            if not together and (not titled or person.id in has_stated):
                continue  # the title the text gives belongs to the tie it states
            sent = together[0] if together else spans[0].sent
            out.append(Relation(person, "member_of", target, role.role, "asserted", sent, 0.6))
    return out


def extract_relations(doc: Doc, ents: Entities, *, published: str | None = None) -> list[Relation]:
    stated = member_relations(doc, ents)
    year = int(published[:4]) if published else None
    return _dedupe(stated + cue_relations(doc, ents) + designation_relations(doc, ents)
                   + reference_cue_relations(doc, ents) + reference_memberships(doc, ents, stated, year=year))


LEADER_ROLES = {"chief", "leader", "head", "emir", "amir", "founder", "commander", "president", "chairman"}


def merge_title_persons(ents: Entities, relations: list[Relation]) -> list[Relation]:
    """"the Hamas chief" joins the person the document makes the group's chief or leader
    (one only); its mentions move over and the title-only entity goes."""
    out = relations
    for title in [e for e in ents.entities if e.title_of]:
        org_ent = next((e for e in ents.entities if (e.org_id or e.id) == title.title_of), None)
        holders = {r.subject for r in relations if r.predicate == "member_of" and r.object is org_ent
                   and r.subject is not title and r.subject.type == "person"
                   and set((r.role or "").split()) & LEADER_ROLES}
        if len(holders) != 1:
            continue
        person = holders.pop()
        person.mentions.extend(title.mentions)
        person.mentions.sort()
        person.tokens |= title.tokens
        person.forms.extend(f for f in title.forms if f not in person.forms)
        for i in title.tokens:
            ents.by_token[i] = person
        ents.entities.remove(title)
        out = [r for r in out if r.subject is not title and r.object is not title]
    for i, ent in enumerate(ents.entities, 1):
        ent.id = f"E{i}"
    return out
