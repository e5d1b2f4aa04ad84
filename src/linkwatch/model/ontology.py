"""The ontology as data: loads ``data/ontology.yaml`` once."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml


@lru_cache(maxsize=None)
def ontology() -> dict:
    text = resources.files("linkwatch.data").joinpath("ontology.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=None)
def role_words() -> frozenset[str]:
    return frozenset(ontology()["roles"])


@lru_cache(maxsize=None)
def event_lexicon() -> dict[str, dict[str, frozenset | tuple]]:
    """type → {"verbs": lemmas, "nouns": lemmas, "phrases": tuples of words}."""
    out = {}
    for kind, spec in ontology()["events"].items():
        out[kind] = {"verbs": frozenset(spec.get("verbs") or ()), "nouns": frozenset(spec.get("nouns") or ()),
                     "phrases": tuple(tuple(p) for p in spec.get("phrases") or ())}
    return out


@lru_cache(maxsize=None)
def modality_cues() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(modality, cue phrases) in priority order: denied, alleged, reported."""
    spec = ontology()["modality"]
    return tuple((m, tuple(spec[m])) for m in ("denied", "alleged", "reported"))
