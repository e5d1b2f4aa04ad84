"""From judgements to clusters: greedy, constrained union-find.

Positive links ("same") are applied strongest first; a link is refused when
it would put into one cluster two items that must stay apart: two items of
one document (the extractor already decided they differ), a pair an analyst
judged "not same", or two clusters whose states a ``compatible`` callback
rejects (for events: incompatible dates). Analyst "same" links are applied
first and unconditionally. A ``separate`` callback may refuse a link for a
reason the clusterer does not hold (incremental resolution: two stored
clusters, standing in as single items, sharing a document). ``link_all(..., compatible=...)`` applies one
batch of links under another check (events: the looser one of conflict
links, applied after every ordinary link). Cost: O(E log E) for sorting plus near-linear
merging (small-into-large), so it stays sub-quadratic.
"""
from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterable


@dataclass(slots=True)
class Cluster:
    """A cluster's items and documents: tuples while it is a singleton (most items), list and set once merged."""
    items: list | tuple = field(default_factory=list)
    documents: set | tuple = field(default_factory=set)
    state: object = None


class Clusterer:
    def __init__(self, *, compatible: Callable[[object, object], bool] | None = None,
                 combine: Callable[[object, object], object] | None = None,
                 separate: Callable[[list, list], bool] | None = None) -> None:
        self.parent: dict[Hashable, Hashable] = {}
        self.clusters: dict[Hashable, Cluster] = {}
        self.apart: dict[Hashable, set] = {}
        self.compatible = compatible
        self.combine = combine
        self.separate = separate  # (items, items) → True when they must stay apart for a reason held elsewhere
        self.accepted: list[tuple] = []

    def add(self, item: Hashable, *, document: str | None = None, state: object = None) -> None:
        if item in self.parent:
            return
        self.parent[item] = item
        self.clusters[item] = Cluster(items=(item,), documents=(document,) if document else (), state=state)

    def find(self, item: Hashable) -> Hashable:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def keep_apart(self, a: Hashable, b: Hashable) -> None:
        if a in self.parent and b in self.parent:
            self.apart.setdefault(a, set()).add(b)
            self.apart.setdefault(b, set()).add(a)

    def _blocked(self, ra, rb, compatible=None) -> bool:
        ca, cb = self.clusters[ra], self.clusters[rb]
        if any(d in cb.documents for d in ca.documents) if len(ca.documents) <= len(cb.documents) \
                else any(d in ca.documents for d in cb.documents):
            return True
        small, other = (ca, rb) if len(ca.items) <= len(cb.items) else (cb, ra)
        for item in small.items:
            for x in self.apart.get(item, ()):
                if self.find(x) == other:
                    return True
        check = compatible or self.compatible
        if check is not None and not check(ca.state, cb.state):
            return True
        return self.separate is not None and self.separate(ca.items, cb.items)

    def link(self, a: Hashable, b: Hashable, *, force: bool = False, why: object = None,
             compatible: Callable[[object, object], bool] | None = None) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not force and self._blocked(ra, rb, compatible):
            return False
        ca, cb = self.clusters[ra], self.clusters[rb]
        if len(ca.items) < len(cb.items):
            ra, rb, ca, cb = rb, ra, cb, ca
        self.parent[rb] = ra
        if isinstance(ca.items, tuple):
            ca.items, ca.documents = list(ca.items), set(ca.documents)
        ca.items.extend(cb.items)
        ca.documents.update(cb.documents)
        if self.combine is not None:
            ca.state = self.combine(ca.state, cb.state)
        del self.clusters[rb]
        self.accepted.append((a, b, why))
        return True

    def link_all(self, edges: Iterable[tuple[float, Hashable, Hashable, object]], *,
                 compatible: Callable[[object, object], bool] | None = None) -> None:
        """Apply ``(score, a, b, why)`` links strongest first (equal scores in the order given).

        The links are held in flat arrays (a score, two item references and a
        rule number each), not as tuples, so a large batch costs tens of bytes a link.
        """
        scores, lefts, rights, rules = array("d"), [], [], array("H")
        names: dict[object, int] = {}
        for score, a, b, why in edges:
            scores.append(score)
            lefts.append(a)
            rights.append(b)
            rules.append(names.setdefault(why, len(names)))
        why_of = list(names)
        for i in _descending(scores):
            self.link(lefts[i], rights[i], why=why_of[rules[i]], compatible=compatible)

    def groups(self) -> Iterable[list]:
        return (c.items for c in self.clusters.values())


def _descending(scores: array) -> Iterable[int]:
    """Indices of ``scores`` from the highest score down, equal scores in their given order.

    Scores take few distinct values (rule scores are sums of a few constants), so the indices are
    grouped by score in compact arrays; with many distinct values, a plain stable sort.
    """
    groups: dict[float, array] = {}
    for i, score in enumerate(scores):
        group = groups.get(score)
        if group is None:
            if len(groups) > 4096:
                return sorted(range(len(scores)), key=scores.__getitem__, reverse=True)
            group = groups[score] = array("L")
        group.append(i)
    return (i for score in sorted(groups, reverse=True) for i in groups[score])
