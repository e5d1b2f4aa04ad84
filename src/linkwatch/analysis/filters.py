"""The filters analysts expect on every question: dates, confidence, modality, sources."""
from __future__ import annotations

from dataclasses import dataclass, replace

from linkwatch.analysis.dates import overlaps
from linkwatch.analysis.source import Tie
from linkwatch.analysis.views import MODALITIES
from linkwatch.errors import LinkwatchError


class BadFilter(LinkwatchError):
    code = "E_FILTER"


@dataclass(frozen=True)
class Filters:
    since: str | None = None
    until: str | None = None
    min_confidence: float = 0.0
    modalities: tuple[str, ...] | None = None
    min_sources: int = 1

    @classmethod
    def parse(cls, *, since: str | None = None, until: str | None = None, min_confidence: float = 0.0,
              modality: str | None = None, min_sources: int = 1) -> "Filters":
        from linkwatch.analysis.dates import period
        for name, value in (("--since", since), ("--until", until)):
            if value and period(value) is None:
                raise BadFilter(f"{name} {value!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)")
        modalities = None
        if modality:
            modalities = tuple(m.strip() for m in modality.split(",") if m.strip())
            unknown = [m for m in modalities if m not in MODALITIES]
            if unknown:
                raise BadFilter(f"unknown modality {', '.join(unknown)}; use {', '.join(MODALITIES)}")
        if not 0.0 <= min_confidence <= 1.0:
            raise BadFilter("--min-confidence must be between 0 and 1")
        return cls(since=since, until=until, min_confidence=min_confidence, modalities=modalities,
                   min_sources=max(1, min_sources))

    @property
    def dated(self) -> bool:
        return bool(self.since or self.until)

    def keep_date(self, value: str | None, *, static: bool = False) -> bool:
        """Events must fall in the window; static relations without a time are kept."""
        if not self.dated:
            return True
        if value is None and static:
            return True
        return overlaps(value, since=self.since, until=self.until)

    def apply(self, tie: Tie, *, date: str | None = None) -> Tie | None:
        """The tie with only the claims that pass, or None when too little is left."""
        static = tie.kind != "co_presence"
        kept = []
        for claim in tie.claims:
            if (claim.confidence or 0.0) < self.min_confidence and claim.confidence is not None:
                continue
            modality = claim.modality or "asserted"
            if self.modalities and modality not in self.modalities:
                continue
            if not self.modalities and modality == "denied":  # a denial is not a link unless asked for
                continue
            if static and not self.keep_date(claim.time_value, static=True):
                continue
            kept.append(claim)
        if not kept:
            return None
        if not static:
            if not self.keep_date(date) or not {tie.a, tie.b} <= {c.about for c in kept}:
                return None
        out = replace(tie, claims=kept)
        return out if out.sources >= self.min_sources else None
