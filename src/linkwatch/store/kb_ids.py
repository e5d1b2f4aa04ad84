"""Kb ids: which id a cluster of records or events carries, and how it stays put.

A cluster anchored in the reference data carries the anchor's id (the
smallest when an analyst joined two). Otherwise it keeps the id most of its
items had before, so an analyst's notes, exports and links keep pointing at
the same thing across resolutions; the larger part of a split keeps it. A
cluster with no past gets a new id made from its smallest item, re-drawn if
another cluster holds that one.
"""
from __future__ import annotations

from collections import Counter

from linkwatch.store.write import hid


def kb_ids_of(groups, previous: dict[str, str], prefix: str) -> dict[str, str]:
    """Item → kb id for every group: its reference anchor if it has one; else the kb id most of its items
    had before (``previous``; a larger group first, so the larger part of a split keeps it); else a new one
    made from its smallest item (``fresh_id``). Ids stay put across resolutions, whole-store and incremental."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    unanchored, fresh = [], []
    for items in groups:
        refs = sorted(i[4:] for i in items if i.startswith("ref:"))
        if refs:
            kb = refs[0]
            taken.add(kb)
            out.update(dict.fromkeys(items, kb))
        else:
            unanchored.append(items)
    unanchored.sort(key=lambda items: (-len(items), min(items)))
    for items in unanchored:
        kb = kept_id(items, previous, taken)
        if kb is None:
            fresh.append(items)
            continue
        taken.add(kb)
        out.update(dict.fromkeys(items, kb))
    for items in fresh:  # after every kept id is placed, so a new id never takes one
        kb = fresh_id(items, prefix, taken)
        taken.add(kb)
        out.update(dict.fromkeys(items, kb))
    return out


def kept_id(items, previous: dict[str, str], taken) -> str | None:
    """The id most of ``items`` had before (``previous``; ties: the smallest) that ``taken`` does not hold."""
    before = Counter(previous[i] for i in items if i in previous)
    return next((k for k, _ in sorted(before.items(), key=lambda kv: (-kv[1], kv[0])) if k not in taken), None)


def fresh_id(items, prefix: str, taken) -> str:
    """A new kb id for a cluster: from its smallest item, re-drawn while ``taken`` holds it (an id kept
    by another cluster may have been made from the same item)."""
    seed, n = min(items), 0
    kb = f"{prefix}-{hid(seed)[:12]}"
    while kb in taken:
        n += 1
        kb = f"{prefix}-{hid(seed, n)[:12]}"
    return kb
