"""Plain records passed between layers.

A *report* (the per-document extraction output) is a plain ``dict`` in the
shape of the contract (shared/contract/REPORT.md); these dataclasses cover
what comes before it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Article:
    """One document as read, before extraction. ``text`` is what spans index."""

    id: str
    text: str
    source: str | None = None
    title: str | None = None
    published: str | None = None  # ISO date
    url: str | None = None
    outlet: str | None = None
    language: str | None = "en"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def content_hash(self) -> str:
        return content_hash(self.text)

    def document(self) -> dict:
        """The report's ``document`` block."""
        return {"id": self.id, "title": self.title, "published": self.published,
                "source": self.source, "language": self.language, "url": self.url,
                "outlet": self.outlet, "content_hash": self.content_hash}


@dataclass(frozen=True)
class Failure:
    """A document that could not be read or extracted: named, with the reason."""

    source: str
    reason: str
    code: str = "E_INPUT"
    line: int | None = None

    def __str__(self) -> str:
        where = self.source + (f":{self.line}" if self.line else "")
        return f"{where}: {self.reason} [{self.code}]"
