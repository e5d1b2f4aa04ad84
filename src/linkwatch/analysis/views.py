"""How the analysis views the ontology: which ties are hops, who counts as present.

Kept in one place so paths, networks, brokers, exports and the store's
analysis aggregates agree: the definitions live with the aggregates
(``linkwatch.store.edges``), which the store rebuilds from claims, and are
read from here. Predicates and event roles themselves are the ontology's
(``data/ontology.yaml``); this module only says which of them make a path
between two entities.
"""
from __future__ import annotations

from linkwatch.store.edges import (CO_PRESENCE_ROLES, HOP_PREDICATES, MEMBERSHIP_PREDICATES, MODALITY_RANK,
                                   NODE_TYPES, PRESENCE_ROLES)

MODALITIES = ("asserted", "reported", "alleged", "denied")

__all__ = ["CO_PRESENCE_ROLES", "HOP_PREDICATES", "MEMBERSHIP_PREDICATES", "MODALITIES", "MODALITY_RANK",
           "NODE_TYPES", "PRESENCE_ROLES"]
