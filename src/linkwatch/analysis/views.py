"""How the analysis views the ontology: which ties are hops, who counts as present.

Kept in one place so paths, networks, brokers and exports agree. Predicates
and event roles themselves are the ontology's (``data/ontology.yaml``); this
module only says which of them make a path between two entities.
"""
from __future__ import annotations

# static relations that make a hop between two entities (designations do not:
# every group designated by the same state is not thereby linked)
HOP_PREDICATES = ("member_of", "front_of", "offshoot_of", "allied_with")

# participation predicates that put an entity *at* an event (the location does not)
CO_PRESENCE_ROLES = ("participant", "organizer")

# entity types that are nodes of the link graph (places are attributes of events)
NODE_TYPES = ("person", "organization")

# the predicates a person's organisation is read from (organisation-level views)
MEMBERSHIP_PREDICATES = ("member_of",)

MODALITIES = ("asserted", "reported", "alleged", "denied")
