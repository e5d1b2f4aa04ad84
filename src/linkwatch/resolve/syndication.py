"""Near-duplicate and syndicated texts: one wire story reprinted by five sites counts once.

A document's fingerprint is a sample of its word 8-gram hashes (those whose
hash is 0 mod 8, so the sample is the same wherever a passage is copied). A
new document that shares at least ``threshold`` of its sample, or at least
``min_shared`` fingerprints, with an earlier one is a copy (whole or partial)
of it. The store looks copies up through its indexed ``fingerprints`` table
(``linkwatch.store.write.copied_from``): no pairwise scan.
"""
from __future__ import annotations

import hashlib
import re
from linkwatch.resolve.names import fold

SHINGLE = 8
MODULUS = 8


def fingerprints(text: str) -> list[int]:
    words = fold(text).split()
    out = set()
    for i in range(max(0, len(words) - SHINGLE + 1)):
        h = int.from_bytes(hashlib.blake2b(" ".join(words[i:i + SHINGLE]).encode(), digest_size=8).digest(),
                           "big", signed=True)
        if h % MODULUS == 0:
            out.add(h)
    return sorted(out)


def simhash(text: str) -> int:
    counts = [0] * 64
    for word in re.findall(r"\w+", fold(text)):
        h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            counts[bit] += 1 if h >> bit & 1 else -1
    value = sum(1 << bit for bit in range(64) if counts[bit] > 0)
    return value - (1 << 64) if value >= 1 << 63 else value
