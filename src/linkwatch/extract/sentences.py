"""spaCy component ``linkwatch_sentences``: hard sentence starts the parser must respect.

A line break always ends a sentence (news text puts paragraphs, captions and
datelines on their own lines), a full stop glued to a mixed-case acronym
("LeT.") still ends one when a capitalised word follows, and a dotted
abbreviation before a name ("the U.S. State Department") does not. A dateline
("LAHORE:", "TEHRAN, July 31 (Wire) –") is a sentence of its own.
"""
from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

_DOTTED = re.compile(r"^(?:[A-Z]\.){2,}$")
_ACRONYM_STOP = re.compile(r"^[A-Z][A-Za-z]*[A-Z][a-z]?\.$|^[A-Z][a-z][A-Z]\.$")


_DATELINE = re.compile(
    r"(?:^|\n)[ \t]*(?:[A-Z][A-Z.'\-]+(?:[ /][A-Z][A-Z.'\-]+)*)"      # TEHRAN/DOHA, UNITED NATIONS
    r"(?:,? (?:[A-Z][a-z]{2,8}\.? \d{1,2})(?:, \d{4})?)?"               # , July 31(, 2024)
    r"(?: \([^)\n]{1,40}\))?"                                           # (Wire)
    r"[ \t]*(?::|[\u2013\u2014-]{1,2})[ \t]*")


def _dateline_ends(doc: Doc) -> list[int]:
    """Character offsets where a dateline ("LAHORE:", "BEIJING —", "TEHRAN, July 31 (Wire) –") ends."""
    return [m.end() for m in _DATELINE.finditer(doc.text)]


@Language.component("linkwatch_sentences", assigns=["token.is_sent_start"])
def mark_sentence_starts(doc: Doc) -> Doc:
    for end in _dateline_ends(doc):
        span = doc.char_span(end, min(len(doc.text), end + 1), alignment_mode="expand")
        if span is not None and span.start > 0:
            doc[span.start].is_sent_start = True
    dateline_tokens = set()
    for end in _dateline_ends(doc):
        span = doc.char_span(end, min(len(doc.text), end + 1), alignment_mode="expand")
        if span is not None:
            dateline_tokens.add(span.start)
    for i, token in enumerate(doc[:-1]):
        nxt = doc[i + 1]
        if "\n" in token.text or "\n" in token.whitespace_:
            nxt.is_sent_start = True
        elif token.text in {":", ";"} and nxt.i not in dateline_tokens and not nxt.is_space:
            nxt.is_sent_start = False  # a list or a clause follows: "sits with four men: A; B; and C"
        elif _ACRONYM_STOP.match(token.text) and nxt.is_title and token.whitespace_:
            nxt.is_sent_start = True
        elif _DOTTED.match(token.text) and nxt.text[:1].isupper() and token.whitespace_ == " ":
            nxt.is_sent_start = False  # "the U.S. State Department": not a sentence end
    return doc
