"""Cross-document identity: blocking, scoring and a graph of judgements.

``entities.resolve_entities`` and ``events.resolve_events`` read per-document
records from the store, propose candidate pairs through cheap blocking keys,
score them, and accept "same" links greedily under cannot-link constraints
(two items of one document, or an analyst's "not same", never end up in one
cluster). ``graph`` turns judgements into clusters.
"""
