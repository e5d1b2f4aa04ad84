"""An analyst's judgements: merge and split, stored and reversible.

``merge`` records "same" between two kb ids' anchor items, ``split`` records
"not same"; both are rows in ``judgements`` with source ``analyst``, obeyed by
every later resolution (re-ingest included) and undone by ``undo`` (which
retracts the row, keeping it for history). A judgement retracts the
analyst's earlier contrary ones between the same two clusters (undoing it
does not bring them back). The caller re-runs resolution.
"""
from __future__ import annotations

from sqlalchemy import and_, literal, or_, select

from linkwatch.errors import ResolutionError
from linkwatch.store import schema as S
from linkwatch.store.db import now, reading, writing


def anchor(conn, kind: str, kb_or_item: str) -> str:
    """A stable item standing for a cluster: its reference node, or its smallest item id."""
    items = list(conn.execute(select(S.clusters.c.item_id).where(S.clusters.c.kb_id == kb_or_item,
                                                                 S.clusters.c.kind == kind)).scalars())
    if not items:
        if conn.execute(select(S.clusters.c.item_id).where(S.clusters.c.item_id == kb_or_item)).first():
            return kb_or_item
        raise ResolutionError(f"no {kind} with id {kb_or_item!r}")
    refs = sorted(i for i in items if i.startswith("ref:"))
    return refs[0] if refs else min(items)


def judge(engine, left: str, right: str, judgement: str, *, kind: str = "entity", note: str | None = None) -> int:
    if judgement not in ("same", "not_same", "unsure"):
        raise ResolutionError(f"unknown judgement {judgement!r}")
    with reading(engine, "look up ids") as conn:
        a, b = anchor(conn, kind, left), anchor(conn, kind, right)
    if a == b and judgement == "not_same":
        # split inside one cluster: a not-same between two of its items needs item ids
        raise ResolutionError(f"{left} and {right} are the same cluster; split takes two item ids or two kb ids")
    with writing(engine, "record a judgement") as conn:
        if judgement in ("same", "not_same"):
            _supersede(conn, kind, a, b, "not_same" if judgement == "same" else "same")
        result = conn.execute(S.judgements.insert().values(
            kind=kind, left_id=min(a, b), right_id=max(a, b), judgement=judgement, source="analyst",
            rule=note, score=None, created_at=now()))
        return int(result.inserted_primary_key[0])


def _supersede(conn, kind: str, a: str, b: str, contrary: str) -> None:
    """Retract the analyst's earlier contrary judgements between the clusters of ``a`` and ``b`` (a merge
    after a split of the same two: the later call stands)."""
    c, j = S.clusters, S.judgements

    def members(item):
        kb = select(c.c.kb_id).where(c.c.item_id == item).scalar_subquery()
        return select(c.c.item_id).where(c.c.kb_id == kb, c.c.kind == kind).union(select(literal(item)))

    left, right = members(a), members(b)
    conn.execute(j.update().where(
        j.c.kind == kind, j.c.source == "analyst", j.c.judgement == contrary, j.c.retracted_at.is_(None),
        or_(and_(j.c.left_id.in_(left), j.c.right_id.in_(right)), and_(j.c.left_id.in_(right), j.c.right_id.in_(left))))
        .values(retracted_at=now()))


def undo(engine, judgement_id: int) -> None:
    with writing(engine, "retract a judgement") as conn:
        n = conn.execute(S.judgements.update().where(S.judgements.c.id == judgement_id,
                                                     S.judgements.c.source == "analyst",
                                                     S.judgements.c.retracted_at.is_(None))
                         .values(retracted_at=now())).rowcount
    if not n:
        raise ResolutionError(f"no active analyst judgement #{judgement_id}")
