"""spaCy component ``linkwatch_gazetteer``: reference organisations and curated places as entities.

Runs after the statistical NER. Reference names win over overlapping model
entities (the model splits "Lashkar-e-Taiba" and calls it a person); the
matched org id is kept on the span (``span.kb_id_``) for coreference and
resolution. Acronyms match case-sensitively, names case-insensitively.
"""
from __future__ import annotations

import logging

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

log = logging.getLogger(__name__)

ORG, PLACE = "ORG", "GPE"


def _org_forms() -> list[tuple[str, str, bool]]:
    from linkwatch.model import reference
    return reference.org_surface_forms()


def _place_forms() -> list[str]:
    """Curated regions (data/places.yaml) that the model splits or misses: Pakistan-occupied Kashmir, PoK."""
    from importlib import resources

    import yaml

    data = yaml.safe_load(resources.files("linkwatch.data").joinpath("places.yaml").read_text(encoding="utf-8"))
    forms = []
    for region in data.get("regions") or []:
        for name in [region["name"], *(region.get("aliases") or [])]:
            if " " in name or "-" in name or any(c.isupper() for c in name[1:]):
                forms.append(name)
    return forms


@Language.factory("linkwatch_gazetteer", requires=["doc.ents"], assigns=["doc.ents"])
def make_gazetteer(nlp: Language, name: str) -> "Gazetteer":
    return Gazetteer(nlp)


class Gazetteer:
    def __init__(self, nlp: Language) -> None:
        self.names = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.acronyms = PhraseMatcher(nlp.vocab, attr="ORTH")
        forms = _org_forms()
        by_text: dict[tuple[str, bool], str] = {}
        for text, org_id, is_acronym in forms:
            by_text.setdefault((text if is_acronym else text.lower(), is_acronym), org_id)
        make = nlp.make_doc
        for (text, is_acronym), org_id in by_text.items():
            matcher = self.acronyms if is_acronym else self.names
            matcher.add(f"ORG|{org_id}", [make(text)])
        places = _place_forms()
        for place in places:
            if len(place) > 2 and not place.isupper():
                self.names.add(f"{PLACE}|", [make(place.lower())])
            else:
                self.acronyms.add(f"{PLACE}|", [make(place)])
        log.debug("gazetteer: %d organisation forms, %d places", len(by_text), len(places))

    def __call__(self, doc: Doc) -> Doc:
        found = []
        for matcher in (self.names, self.acronyms):
            for match_id, start, end in matcher(doc):
                label, _, kb = doc.vocab.strings[match_id].partition("|")
                found.append(Span(doc, start, end, label=label, kb_id=kb))
        if not found:
            return doc
        found = filter_spans(found)  # longest first
        taken = set()
        for span in found:
            taken.update(range(span.start, span.end))
        kept = [e for e in doc.ents if not taken.intersection(range(e.start, e.end))]
        doc.ents = filter_spans(kept + found)
        return doc
