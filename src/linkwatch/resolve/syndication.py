"""Near-duplicate and syndicated texts: one wire story reprinted by five sites counts once.

A document's fingerprint is a sample of its word 8-gram hashes (those whose
hash is 0 mod 8, so the sample is the same wherever a passage is copied). A
new document that shares at least ``threshold`` of its sample, or at least
``min_shared`` fingerprints, with an earlier one is a copy (whole or partial)
of it. The store looks copies up through its indexed ``fingerprints`` table
(``linkwatch.store.write.copied_from``): no pairwise scan.

Reworded copies (a machine rewrite of one story: sentences turned round,
words swapped) keep few 8-grams, so two more signals are kept per document,
each as a MinHash signature of ``PERMUTATIONS`` values cut into ``BANDS``
LSH bands (``linkwatch.store.write.reworded_from`` looks bands up in an
indexed table, then compares the few candidates' signatures):

* ``text``: the set of its content words (folded, stopwords dropped, a
  crude suffix stem), when it has at least ``MIN_WORDS`` of them; a later
  document from another outlet whose estimated Jaccard with an earlier one
  is ≥ ``TEXT_THRESHOLD`` is a rewording of it. (Word 3-shingles miss
  rewrites that turn sentences round; the word set keeps them, and
  independent reports of one event, which tell it with their own details,
  stay far below the threshold.)
* ``claims``: the set of its claims (entities by type and folded name,
  events by type, time and place, relations), when it has at least
  ``MIN_CLAIMS``; another outlet's document published within
  ``CLAIM_DAYS`` days whose estimated Jaccard is ≥ ``CLAIM_THRESHOLD`` says
  exactly what an earlier one said and counts as its copy.
"""
from __future__ import annotations

import hashlib
from linkwatch.resolve.names import fold

SHINGLE = 8
MODULUS = 8

PERMUTATIONS = 64
BANDS = 32            # 2 rows a band: a pair at Jaccard 0.5 shares a band with probability > 0.99
ROWS = PERMUTATIONS // BANDS
MIN_WORDS = 20
TEXT_THRESHOLD = 0.6
MIN_CLAIMS = 5
CLAIM_THRESHOLD = 0.8
CLAIM_DAYS = 3
_PRIME = (1 << 61) - 1
_SEEDS = [(int.from_bytes(hashlib.blake2b(f"a{i}".encode(), digest_size=8).digest(), "big") % _PRIME or 1,
           int.from_bytes(hashlib.blake2b(f"b{i}".encode(), digest_size=8).digest(), "big") % _PRIME)
          for i in range(PERMUTATIONS)]
STOPWORDS = frozenset("""
a about after against all also an and any are as at be been before being between both but by can could did
do does during each from had has have he her hers him his how i if in into is it its more most no not of on
once only or other our out over said says say same she should so some such than that the their them then
there these they this those through to under until up very was we were what when where which while who whom
why will with would according yesterday today told""".split())
SUFFIXES = ("ing", "ed", "es", "s", "ly")


def fingerprints(text: str, *, folded: str | None = None) -> list[int]:
    """``folded``: ``fold(text)`` when the caller has it already."""
    words = (fold(text) if folded is None else folded).split()
    out = set()
    for i in range(max(0, len(words) - SHINGLE + 1)):
        h = int.from_bytes(hashlib.blake2b(" ".join(words[i:i + SHINGLE]).encode(), digest_size=8).digest(),
                           "big", signed=True)
        if h % MODULUS == 0:
            out.add(h)
    return sorted(out)


def simhash(text: str, *, folded: str | None = None) -> int:
    """Bit i is set when more than half of the words' 64-bit hashes have it set."""
    row_of: dict[str, bytes] = {}
    for word in (words := (fold(text) if folded is None else folded).split()):
        if word not in row_of:
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
            row_of[word] = format(h, "064b").encode()
    rows = [row_of[word] for word in words]
    # column sums of the bit rows (b"0" is 48, b"1" is 49), most significant bit first, done by zip and sum
    ones = [total - 48 * len(rows) for total in map(sum, zip(*rows))] if rows else [0] * 64
    value = sum(1 << (63 - i) for i, n in enumerate(ones) if 2 * n > len(rows))
    return value - (1 << 64) if value >= 1 << 63 else value


# ---- reworded copies

def stem(word: str) -> str:
    for suffix in SUFFIXES:
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[:-len(suffix)]
    return word


def content_words(text: str, *, folded: str | None = None) -> set[str]:
    """Folded, stemmed words of a text, stopwords dropped."""
    return {stem(w) for w in set((fold(text) if folded is None else folded).split()) if w not in STOPWORDS}


def claim_features(report: dict) -> set[str]:
    """What a report claims, independent of its wording: entities, events and relations as strings."""
    names = {}
    out = set()
    for entity in report.get("entities", ()):
        name = fold(entity.get("name") or "")
        names[str(entity.get("id"))] = name
        if name:
            out.add(f"e|{entity.get('type')}|{name}")
    for event in report.get("events", ()):
        time = event.get("time")
        time = time.get("value") if isinstance(time, dict) else time
        out.add(f"v|{event.get('type')}|{time}|{names.get(str(event.get('location')), '')}")
    for rel in report.get("relations", ()):
        out.add(f"r|{names.get(str(rel.get('subject')), '')}|{rel.get('predicate')}|"
                f"{names.get(str(rel.get('object')), '')}")
    return out


def minhash(features: set[str]) -> list[int]:
    """``PERMUTATIONS`` minimum hashes of a feature set (empty set: empty list)."""
    if not features:
        return []
    base = [int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "big") % _PRIME for f in features]
    return [min([(a * x + b) % _PRIME for x in base]) for a, b in _SEEDS]


def bands(signature: list[int]) -> list[int]:
    """One signed 64-bit hash per LSH band of a signature."""
    out = []
    for i in range(0, len(signature), ROWS):
        raw = ",".join(map(str, signature[i:i + ROWS])).encode()
        out.append(int.from_bytes(hashlib.blake2b(raw, digest_size=8).digest(), "big", signed=True))
    return out


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard of the sets behind two signatures."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b)) / len(a)


def signatures(text: str, report: dict, *, folded: str | None = None) -> dict[str, list[int]]:
    """``{"text": …, "claims": …}`` for the signals big enough to judge a rewording by."""
    out = {}
    words = content_words(text, folded=folded)
    if len(words) >= MIN_WORDS:
        out["text"] = minhash(words)
    claims = claim_features(report)
    if len(claims) >= MIN_CLAIMS:
        out["claims"] = minhash(claims)
    return out
