"""How much to believe a claim: modality × source grade, combined over independent sources.

Each independent source i (a document, after near-duplicates and syndicated
copies are collapsed onto the earliest one) supports the claim with

    p_i = m(modality_i) × g(grade_i)

where m(asserted) = 0.9, m(reported) = 0.7, m(alleged) = 0.5, m(denied) = 0.1
and g is the outlet's Admiralty reliability grade: A 1.0, B 0.9, C 0.75,
D 0.6, E 0.4, F (cannot be judged, and every ungraded outlet) 0.5. Within a
group of copies only the strongest p_i counts. Independent sources combine
by noisy-OR:

    confidence = 1 − Π_i (1 − p_i)

so one asserted claim from an ungraded outlet is 0.45, two independent ones
0.70, and five copies of one wire story still 0.45.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)

MODALITY = {"asserted": 0.9, "reported": 0.7, "alleged": 0.5, "denied": 0.1}
GRADE = {"A": 1.0, "B": 0.9, "C": 0.75, "D": 0.6, "E": 0.4, "F": 0.5}
DEFAULT_GRADE = "F"


@lru_cache(maxsize=4)
def outlet_grades(path: str | None = None) -> dict[str, str]:
    """``{folded outlet name: grade}`` from sources.yaml (packaged default, or ``path``)."""
    import yaml

    from linkwatch.resolve.names import fold
    try:
        text = Path(path).read_text(encoding="utf-8") if path else \
            resources.files("linkwatch.data").joinpath("sources.yaml").read_text(encoding="utf-8")
    except (OSError, FileNotFoundError, ModuleNotFoundError) as exc:
        log.warning("no outlet grades (%s); every outlet is graded %s", exc, DEFAULT_GRADE)
        return {}
    data = yaml.safe_load(text) or {}
    out = {}
    for entry in data.get("outlets", []) or []:
        grade = str(entry.get("grade", DEFAULT_GRADE)).upper()[:1]
        if grade not in GRADE:
            continue
        for name in [entry.get("name"), *(entry.get("aliases") or [])]:
            if name:
                out[fold(str(name))] = grade
    return out


def grade_of(outlet: str | None, grades: dict[str, str] | None = None) -> str:
    from linkwatch.resolve.names import fold
    grades = outlet_grades() if grades is None else grades
    return grades.get(fold(outlet or ""), DEFAULT_GRADE) if outlet else DEFAULT_GRADE


def support(modality: str | None, grade: str) -> float:
    return MODALITY.get(modality or "asserted", MODALITY["asserted"]) * GRADE.get(grade, GRADE[DEFAULT_GRADE])


def combine(sources: Iterable[tuple[str, str | None, str]]) -> float:
    """``sources``: (independence group, modality, grade) per supporting document."""
    best: dict[str, float] = {}
    for group, modality, grade in sources:
        p = support(modality, grade)
        best[group] = max(best.get(group, 0.0), p)
    disbelief = 1.0
    for p in best.values():
        disbelief *= 1.0 - p
    return round(1.0 - disbelief, 4)
