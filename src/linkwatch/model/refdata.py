"""Helpers shared by the reference-data loaders (organisations, people): lenient cleaning of YAML
values and the package's data files."""
from __future__ import annotations

import datetime as dt
from importlib import resources
from typing import Any


def clean_text(value: Any) -> str | None:
    """A YAML scalar as text: dates as ISO, blanks as None."""
    if value is None:
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    text = str(value).strip()
    return text or None


def clean_texts(value: Any) -> tuple[str, ...]:
    """A scalar or list as a tuple of distinct non-blank texts, in order."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    out: list[str] = []
    for item in value:
        text = clean_text(item)
        if text and text not in out:
            out.append(text)
    return tuple(out)


def data_files(prefix: str) -> list:
    """The package's ``data/PREFIX*.yaml`` files, in name order."""
    folder = resources.files("linkwatch").joinpath("data")
    return sorted((entry for entry in folder.iterdir()
                   if entry.name.startswith(prefix) and entry.name.endswith((".yaml", ".yml"))),
                  key=lambda entry: entry.name)


def freeze(index: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    return {key: frozenset(ids) for key, ids in index.items()}


def only(ids: frozenset[str] | None, table: dict):
    """The one record the ids name, or None when they name none or several."""
    if ids and len(ids) == 1:
        return table[next(iter(ids))]
    return None
