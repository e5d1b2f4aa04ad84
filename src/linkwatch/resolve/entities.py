"""Entity resolution across documents: blocking, scoring, constrained clustering.

Input: one ``EntityRecord`` per (document, entity) with its names, type,
reference anchor and context (what else the document names, which
organisations the entity is said to belong to). Output: clusters.

1. **Blocking** (sub-quadratic): each record gets a few keys: its reference
   id, the spelling-variant skeleton of each name form written as one word,
   the skeleton of a person's surname, acronyms. Only records that share a key
   are compared; blocks over ``MAX_BLOCK`` are compared only on their exact
   whole-name key.
2. **Scoring**: the best match between any two name forms (folded equality,
   skeleton equality, token alignment with Jaro-Winkler for persons, fuzzy
   ratio and acronyms for organisations and places), plus context: shared
   co-mentioned entities raise the score; disjoint organisation memberships
   lower it (two men called Saeed in different groups stay apart). A surname
   alone ("Zaheer") needs context to link.
3. **Clustering**: ``graph.Clusterer``, strongest links first, never two
   records of one document together, never two people whose full names
   disagree (``name_state``: "Yusuf Jaber" and "Omar Jaber" stay apart even
   when a report calling one of them "Jaber" matches both), analyst
   judgements first.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Iterable, Iterator, NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from linkwatch.resolve.names import acronym, compact_key, fold, is_acronym, skeleton, tokens

MAX_BLOCK = 60
WINDOW = 25
ACCEPT = 0.86        # link on names alone at or above this score
ACCEPT_CONTEXT = 0.70  # link at or above this with at least MIN_CONTEXT shared co-mentions
MIN_CONTEXT = 2
RULE = "names+context@1"
SPELLING_VARIANT = "same-document spelling variant"
SURNAME_ONLY = 0.72  # a person matched on one word: links only with MIN_CONTEXT shared co-mentions

EMPTY_STATE: frozenset = frozenset()
_fold_name = lru_cache(maxsize=1 << 16)(fold)   # names recur across documents


class Form(NamedTuple):
    """One name form of a record, with the keys the scorer compares."""
    surface: str
    fold: str
    tokens: tuple
    skel: tuple
    compact: str
    acr: bool
    acronym: str | None


@dataclass(slots=True)
class EntityRecord:
    id: str
    document: str
    type: str
    name: str
    aliases: tuple = ()
    ref_id: str | None = None
    context: frozenset = frozenset()   # keys of other entities named in the same document
    members: frozenset = frozenset()   # keys of organisations it is said to belong to
    forms: list = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        seen, forms = set(), []
        for surface in (self.name, *self.aliases):
            f = _fold_name(surface or "")
            if not f or f in seen:
                continue
            seen.add(f)
            toks = tokens(surface)
            forms.append(Form(surface=surface, fold=f, tokens=toks, skel=tuple(skeleton(t) for t in toks),
                              compact=compact_key(surface), acr=is_acronym(surface.strip()), acronym=acronym(surface)))
        self.forms = forms


def context_key(type_: str, name: str, ref_id: str | None = None) -> str:
    """How an entity appears in another entity's context: its anchor or its name skeleton."""
    return f"ref:{ref_id}" if ref_id else f"{type_[:3]}:{compact_key(name)}"


def blocking_keys(record: EntityRecord) -> set[tuple]:
    keys = set()
    t = record.type
    if record.ref_id:
        keys.add(("ref", record.ref_id))
    for form in record.forms:
        if form.compact:
            keys.add((t, "c", form.compact))
        if form.acr:
            keys.add((t, "a", form.fold.replace(" ", "")))
        elif form.acronym and t == "organization":
            keys.add((t, "a", form.acronym))
        if t == "person" and form.skel:
            keys.add((t, "s", form.skel[-1]))
        elif len(form.skel) > 1:
            longest = max(form.skel, key=len)
            if len(longest) >= 3:
                keys.add((t, "t", longest))
    return keys


def _tok_match(a: str, b: str, sa: str, sb: str, *, loose: bool = False) -> bool:
    if a == b or (sa == sb and len(sa) >= 2):
        return True
    return JaroWinkler.similarity(a, b) >= (0.82 if loose else 0.88) and a[0] == b[0]


def _person_score(fa: Form, fb: Form) -> float:
    ta, tb = fa.tokens, fb.tokens
    if not ta or not tb:
        return 0.0
    sa, sb = fa.skel, fb.skel
    if not _tok_match(ta[-1], tb[-1], sa[-1], sb[-1]):
        return 0.0
    short, long_, ss, sl = (ta, tb, sa, sb) if len(ta) <= len(tb) else (tb, ta, sb, sa)
    if len(short) == 1:
        return SURNAME_ONLY
    # given names must agree where both have them
    if not _tok_match(short[0], long_[0], ss[0], sl[0], loose=True):
        return 0.0
    matched = sum(any(_tok_match(x, y, sx, sy, loose=True) for y, sy in zip(long_, sl)) for x, sx in zip(short, ss))
    return 0.93 if matched == len(short) else 0.0


def name_score(a: EntityRecord, b: EntityRecord) -> float:
    best = 0.0
    for fa in a.forms:
        for fb in b.forms:
            if a.type == "person" and (len(fa.tokens) < 2 or len(fb.tokens) < 2):
                # one word (a surname, a kunya's name): never enough alone; context decides (``accepted``)
                s = SURNAME_ONLY if fa.fold == fb.fold or fa.compact == fb.compact or _person_score(fa, fb) else 0.0
            elif fa.fold == fb.fold:
                s = 1.0 if len(fa.fold) > 3 or a.type != "person" else 0.9
            elif fa.compact and fa.compact == fb.compact and len(fa.compact) >= 3:
                s = 0.95 if len(fa.tokens) > 1 else 0.9
            elif a.type == "person":
                if fa.acr or fb.acr:
                    continue
                s = _person_score(fa, fb)
            else:
                if fa.acr and fb.acronym and fa.fold.replace(" ", "") == fb.acronym:
                    s = 0.85
                elif fb.acr and fa.acronym and fb.fold.replace(" ", "") == fa.acronym:
                    s = 0.85
                elif fa.acr or fb.acr:
                    s = 0.0
                else:
                    r = fuzz.ratio(" ".join(fa.tokens), " ".join(fb.tokens)) / 100
                    s = r * 0.95 if r >= 0.9 else 0.0
            if s > best:
                best = s
                if best >= 1.0:
                    return best
    return best


def name_state(record: EntityRecord) -> frozenset:
    """What a cluster of people must keep consistent: each record's full names (forms of two words or
    more), one tuple a record; empty for a record named by one word, or not a person."""
    if record.type != "person":
        return EMPTY_STATE
    full = tuple(sorted((f for f in record.forms if len(f.tokens) > 1 and not f.acr), key=lambda f: f.compact))
    return frozenset({full}) if full else EMPTY_STATE


def _same_person(x: tuple, y: tuple) -> bool:
    """Two records' full names: does one of each agree (same skeleton, or surname and given names match)?"""
    return any(fx.compact == fy.compact or _person_score(fx, fy) > 0 for fx in x for fy in y)


def names_compatible(a: frozenset | None, b: frozenset | None) -> bool:
    """May two clusters merge? When both give full names, one of each must agree. Rule links only ever join
    agreeing names, so a cluster's names disagree only where an analyst (or a report naming one man
    twice) joined them, and its other records may still follow."""
    return not a or not b or any(_same_person(x, y) for x in a for y in b)


def combine_names(a: frozenset | None, b: frozenset | None) -> frozenset:
    return (a or EMPTY_STATE) | (b or EMPTY_STATE)


def score(a: EntityRecord, b: EntityRecord) -> tuple[float, int]:
    """(score, shared context) of two records of the same type from different documents."""
    if a.ref_id and b.ref_id:
        return (1.0, 0) if a.ref_id == b.ref_id else (0.0, 0)
    s = name_score(a, b)
    if s <= 0:
        return 0.0, 0
    shared = len(a.context & b.context)
    if a.members and b.members and not (a.members & b.members):
        s -= 0.3
    return s, shared


def accepted(s: float, shared: int) -> bool:
    return s >= ACCEPT or (s >= ACCEPT_CONTEXT and shared >= MIN_CONTEXT)


def candidate_pairs(records: Iterable[EntityRecord]) -> Iterator[tuple[EntityRecord, EntityRecord]]:
    """Pairs of records sharing a blocking key, each pair once.

    Blocks are visited in key order; a pair is proposed by the first block
    (in that order) that compares it, so no set of the pairs seen is kept:
    memory grows with the records, not with the pairs.
    """
    blocks: dict[tuple, list] = defaultdict(list)
    canonical: dict[tuple, tuple] = {}   # one key object per distinct key, shared by the records that have it
    keys_of: dict[str, tuple] = {}
    for r in records:
        keys = tuple(canonical.setdefault(key, key) for key in blocking_keys(r))
        keys_of[r.id] = keys
        for key in keys:
            blocks[key].append(r)
    del canonical
    position: dict[tuple, dict] = {}   # an oversized skeleton block: record id → its place (for the window)
    for key, members in blocks.items():
        if key[0] != "ref" and len(members) > MAX_BLOCK and key[1] == "c":
            position[key] = {m.id: i for i, m in enumerate(members)}

    def compares(key: tuple, a: EntityRecord, b: EntityRecord) -> bool:
        """Does the (non-reference) block ``key``, which holds both, propose the pair?"""
        if len(blocks[key]) <= MAX_BLOCK:
            return True
        if key[1] != "c":
            return False
        where = position[key]
        return abs(where[a.id] - where[b.id]) <= WINDOW

    for key in sorted(blocks):
        members = blocks[key]
        if len(members) < 2:
            continue
        if key[0] == "ref":  # one anchor: link each to the first, no pairwise work
            first = members[0]
            for other in members[1:]:
                yield first, other
            continue
        if len(members) > MAX_BLOCK:
            if key[1] != "c":
                continue
            pairs = window_pairs(members, WINDOW)  # sorted neighbourhood: O(n·w)
        else:
            pairs = combinations(members, 2)
        for a, b in pairs:
            if a.document == b.document or a.type != b.type:
                continue
            other = keys_of[b.id]
            if any(k < key and k[0] != "ref" and k in other and compares(k, a, b) for k in keys_of[a.id]):
                continue  # an earlier block proposed it
            yield a, b


def window_pairs(members: list, width: int) -> Iterator[tuple]:
    for i, a in enumerate(members):
        for b in members[i + 1:i + 1 + width]:
            yield a, b


def spelling_variants(records: Iterable[EntityRecord]) -> Iterator[tuple[str, str]]:
    """Pairs of records one document names in two spellings that the extractor kept apart (Haniyeh /
    Haniya: one skeleton): to link whatever else they score (``SPELLING_VARIANT``)."""
    first: dict[tuple, str] = {}
    for r in records:
        if len(r.forms) and len(r.forms[0].tokens) > 1:
            key = (r.document, r.type, r.forms[0].compact)
            if key in first:
                yield first[key], r.id
            else:
                first[key] = r.id


def link_score(a: EntityRecord, b: EntityRecord) -> float | None:
    """The strength of the link between two records of different documents, None when not accepted."""
    s, shared = score(a, b)
    return s + 0.01 * min(shared, 5) if accepted(s, shared) else None


def scored_links(records: list[EntityRecord]) -> Iterator[tuple[float, str, str, str]]:
    """(score, a, b, rule) for every accepted candidate pair."""
    for a, b in candidate_pairs(records):
        if a.document == b.document:
            continue
        s = link_score(a, b)
        if s is not None:
            yield s, a.id, b.id, RULE
