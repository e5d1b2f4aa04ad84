"""Modality of a claim from hedges and attribution in the words around it."""
from __future__ import annotations

import re
from functools import lru_cache

from linkwatch.model.ontology import modality_cues

ASSERTED = "asserted"


@lru_cache(maxsize=None)
def _patterns() -> tuple[tuple[str, re.Pattern], ...]:
    out = []
    for modality, cues in modality_cues():
        alternatives = "|".join(re.escape(c) for c in sorted(cues, key=len, reverse=True))
        out.append((modality, re.compile(rf"\b(?:{alternatives})\b", re.I)))
    return tuple(out)


def modality_of(text: str, *, allow: tuple[str, ...] = ("denied", "alleged", "reported")) -> str:
    """The strongest hedge found in ``text`` (denied > alleged > reported), else asserted."""
    for modality, pattern in _patterns():
        if modality in allow and pattern.search(text):
            return modality
    return ASSERTED
