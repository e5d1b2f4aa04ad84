"""The knowledge base's tables: SQLAlchemy Core, defined once, for SQLite and PostgreSQL.

Evidence is the unit of storage. Everything a report says is kept *per
document*, under ids that hash the key fields, so re-ingesting an unchanged
document is a no-op and a changed document replaces only its own rows.
Cross-document identity is never written into those rows: it is a separate
graph of judgements (``judgements``), and its connected components are cached
in ``clusters``. Entities and edges of the graph are views over these tables.

Tables
------

``migrations``
    Named schema migrations already applied (``name``, ``applied_at``).
    ``linkwatch.store.migrate`` applies the missing ones, idempotently.

``documents``
    One row per stored document, keyed by ``id`` (the report's
    ``document.id``: a stable id from the reader, a feed guid or a file stem).
    ``content_hash`` (sha256 of the text) is what decides "unchanged";
    ``url``, ``title``, ``outlet``, ``published`` (ISO date text), ``source``,
    ``language``, ``ingested_at``, ``extractor`` (name@version),
    ``status`` (``pending`` while its rows are being written, ``done`` after;
    a crash leaves ``pending`` and the next ingest redoes that document),
    ``report`` (the whole per-document report, JSON, as extracted),
    ``simhash`` (64-bit text fingerprint, as a signed integer) and
    ``syndicated_of`` (the id of an earlier document this one is a near-copy
    or a rewording of; such copies count once for corroboration).

``failures``
    Documents that could not be read or extracted: ``source``, ``code``,
    ``reason``, ``at``. Re-ingesting clears a failure once the document is
    stored.

``records``
    Per-document entities ("mentions" of a real-world thing in one report):
    ``id`` = hash(document, local id), ``document_id``, ``local_id`` (E1..),
    ``type`` (person / organization / location), ``name``, ``aliases`` (JSON
    list), ``name_key`` (folded spelling-variant key of the name, used for
    blocking), ``ref_id`` (an id from the reference data, e.g. an
    organisation's, when the name matched it), ``mention_count``.

``events``
    Per-document events: ``id`` = hash(document, local id), ``document_id``,
    ``local_id`` (V1..), ``type``, ``name``, ``time_value`` (ISO-8601 at the
    text's precision, or null), ``time_text``, ``location_record`` /
    ``organizer_record`` (``records.id`` or null), ``modality``.

``claims``
    Every statement a document makes, one row per (document, kind, subject,
    predicate, object, role): ``id`` hashes those fields. ``kind`` is
    ``relation`` (record → record, ``predicate`` = member_of, front_of...),
    ``participation`` (event → record, ``predicate`` = participant /
    organizer / location, ``role`` free text) or ``attribute`` (event →
    literal ``value``, ``predicate`` = time / type / name).
    ``subject`` / ``object`` hold ``records.id`` or ``events.id``;
    ``modality``, ``time_value`` (for relations that carry a time),
    ``confidence`` (the extractor's).

``evidence``
    The support of a claim: ``claim_id``, ``document_id``, ``start`` / ``end``
    (character span into the document text, may be null), ``quote`` (the
    sentence), ``modality``, ``extractor`` (name@version), ``confidence``.
    ``id`` hashes claim, span and quote.

``judgements``
    The identity graph. One row per judgement about two items of the same
    ``kind`` (``entity``: ``records.id`` or a reference id such as
    ``ref:lashkar-e-taiba``; ``event``: ``events.id``): ``left_id`` <
    ``right_id``, ``judgement`` (``same`` / ``not_same`` / ``unsure``),
    ``source`` (``rule`` or ``analyst``), ``rule`` (which rule, or the
    analyst's note), ``score``, ``created_at``, ``retracted_at`` (a retracted
    judgement is kept for history but ignored). Rule judgements are
    recomputed by resolution; analyst judgements are never touched by it, win
    over rule judgements, and survive re-ingest. ``merge`` adds an analyst
    ``same``; ``split`` adds an analyst ``not_same`` (and undoing either
    retracts that one row).

``clusters``
    Cache of the judgement graph's components: ``item_id`` (``records.id``
    or ``events.id``) → ``kb_id`` (the knowledge-base id shown to users and
    written as ``kb_id`` in exports), ``kind``. A kb id is the reference id
    when the cluster is anchored to reference data, otherwise a stable hash
    of the cluster's oldest item. Rebuilt after every ingest, merge or split.

``kb_entities`` / ``kb_events``
    Materialised summaries, one row per ``kb_id`` (rebuilt with
    ``clusters``): entities carry ``type``, ``name`` (the most frequent full
    name), ``aliases`` (JSON), ``documents`` (count), ``sources``
    (independent-source count), ``ref_id``, ``watchlisted`` (bool); events
    carry ``type``, ``name``, ``time_value`` (the most precise value the
    sources agree on), ``time_conflict`` (JSON list of incompatible values,
    or null), ``location_kb``, ``documents``, ``sources``, ``confidence``,
    ``conflicts`` (JSON ``[{"field": "time" | "place", "values": [{"value",
    "documents"}]}]``: the details the member reports disagree on, or null).

``watchlists`` / ``watchlist_names``
    Reference lists imported from FollowTheMoney / OpenSanctions JSON
    (``watchlist import``) or from the project's designation data:
    ``watchlists`` has one row per listed entity (``id`` = list:entity id,
    ``list``, ``entity_id``, ``schema``, ``name``, ``properties`` JSON);
    ``watchlist_names`` indexes every name of it by ``name_key``.

``kb_ties`` / ``kb_links`` / ``kb_presence`` / ``kb_firsts`` / ``kb_timelines`` / ``kb_aggregates``
    Analysis aggregates (migrations ``0005_edges``, ``0006_timeline``, ``0011_timeline_positions``): the kb-level ties, the
    pairs they join, the events each entity is named at, when two
    entities first met and each entity's timeline rows, counted from claims by ``store.edges.refresh_edges``
    after every ingest, merge, split or undo (see the tables below).

Joining a claim to the graph: ``claims.subject`` → ``clusters.item_id`` →
``clusters.kb_id`` (same for ``object``), and ``evidence.document_id`` →
``documents`` for the source, its outlet and its ``syndicated_of``.
"""
from __future__ import annotations

from sqlalchemy import (JSON, BigInteger, Boolean, Column, DateTime, Float, Index, Integer, LargeBinary,
                        MetaData, String, Table, Text)

metadata = MetaData()

migrations = Table(
    "migrations", metadata,
    Column("name", String(200), primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

documents = Table(
    "documents", metadata,
    Column("id", String(500), primary_key=True),
    Column("content_hash", String(64), nullable=False, index=True),
    Column("source", Text),
    Column("url", Text),
    Column("title", Text),
    Column("outlet", String(300), index=True),
    Column("published", String(32)),
    Column("language", String(16)),
    Column("ingested_at", DateTime(timezone=True), nullable=False),
    Column("extractor", String(200)),
    Column("status", String(16), nullable=False, default="pending"),
    Column("report", JSON),
    Column("simhash", BigInteger),
    Column("syndicated_of", String(500)),
)

failures = Table(
    "failures", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("code", String(32)),
    Column("reason", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)

records = Table(
    "records", metadata,
    Column("id", String(40), primary_key=True),
    Column("document_id", String(500), nullable=False, index=True),
    Column("local_id", String(100), nullable=False),
    Column("type", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("aliases", JSON),
    Column("name_key", String(300), index=True),
    Column("ref_id", String(200), index=True),
    Column("mention_count", Integer, default=0),
    Column("geo", JSON),  # added by 0008_block_keys: a location's point, country and kind (store.write.place_geo)
)

events = Table(
    "events", metadata,
    Column("id", String(40), primary_key=True),
    Column("document_id", String(500), nullable=False, index=True),
    Column("local_id", String(100), nullable=False),
    Column("type", String(32), nullable=False),
    Column("name", Text),
    Column("time_value", String(32)),
    Column("time_text", Text),
    Column("location_record", String(40)),
    Column("organizer_record", String(40)),
    Column("modality", String(16)),
)

claims = Table(
    "claims", metadata,
    Column("id", String(40), primary_key=True),
    Column("document_id", String(500), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("subject", String(40), nullable=False, index=True),
    Column("predicate", String(64), nullable=False),
    Column("object", String(40), index=True),
    Column("value", Text),
    Column("role", Text),
    Column("modality", String(16)),
    Column("time_value", String(32)),
    Column("confidence", Float),
)

evidence = Table(
    "evidence", metadata,
    Column("id", String(40), primary_key=True),
    Column("claim_id", String(40), nullable=False, index=True),
    Column("document_id", String(500), nullable=False, index=True),
    Column("start", Integer),
    Column("end", Integer),
    Column("quote", Text),
    Column("modality", String(16)),
    Column("extractor", String(200)),
    Column("confidence", Float),
)

judgements = Table(
    "judgements", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("left_id", String(200), nullable=False),
    Column("right_id", String(200), nullable=False),
    Column("judgement", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("rule", Text),
    Column("score", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retracted_at", DateTime(timezone=True)),
    Index("ix_judgements_pair", "kind", "left_id", "right_id"),
    Index("ix_judgements_right", "right_id"),
)

clusters = Table(
    "clusters", metadata,
    Column("item_id", String(200), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("kb_id", String(200), nullable=False, index=True),
)

kb_entities = Table(
    "kb_entities", metadata,
    Column("kb_id", String(200), primary_key=True),
    Column("type", String(32), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("aliases", JSON),
    Column("documents", Integer, default=0),
    Column("sources", Integer, default=0),
    Column("ref_id", String(200)),
    Column("watchlisted", Boolean, default=False),
)

kb_events = Table(
    "kb_events", metadata,
    Column("kb_id", String(200), primary_key=True),
    Column("type", String(32), nullable=False, index=True),
    Column("name", Text),
    Column("time_value", String(32)),
    Column("time_conflict", JSON),
    Column("location_kb", String(200)),
    Column("documents", Integer, default=0),
    Column("sources", Integer, default=0),
    Column("confidence", Float),
    Column("conflicts", JSON),   # added by migration 0003_rewordings_conflicts
)

watchlists = Table(
    "watchlists", metadata,
    Column("id", String(400), primary_key=True),
    Column("list", String(200), nullable=False, index=True),
    Column("entity_id", String(300), nullable=False),
    Column("schema", String(64)),
    Column("name", Text, nullable=False),
    Column("properties", JSON),
)

watchlist_names = Table(
    "watchlist_names", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("watchlist_id", String(400), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("name_key", String(300), nullable=False, index=True),
)

# added by migration 0002_fingerprints
fingerprints = Table(
    "fingerprints", metadata,
    Column("hash", BigInteger, nullable=False, index=True),
    Column("document_id", String(500), nullable=False, index=True),
)
"""``fingerprints``: a sample of each stored document's word 8-gram hashes
(those whose hash is 0 mod 8), used to find reprints and partial copies of
earlier documents without comparing every pair (``resolve.syndication``)."""

# added by migration 0003_rewordings_conflicts
signatures = Table(
    "signatures", metadata,
    Column("document_id", String(500), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("signature", JSON, nullable=False),
)
"""``signatures``: per document, MinHash signatures (``kind`` ``text``: its
stemmed content words; ``claims``: its claim set) used to find reworded
copies of earlier documents (``resolve.syndication``)."""

signature_bands = Table(
    "signature_bands", metadata,
    Column("document_id", String(500), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("band", Integer, nullable=False),
    Column("hash", BigInteger, nullable=False),
    Index("ix_signature_bands_lookup", "kind", "band", "hash"),
)
"""``signature_bands``: the LSH bands of each signature; a document sharing
a band with another is a candidate rewording of it (no pairwise scan)."""

# added by migration 0005_edges: analysis aggregates, rebuilt from claims by ``store.edges.refresh_edges``
# after every resolution; what counts as a tie is ``store.edges`` (hops, co-presence, denials aside)
kb_ties = Table(
    "kb_ties", metadata,
    Column("lo", String(200), nullable=False),
    Column("hi", String(200), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("event", String(200)),
    Column("subject", String(200)),
    Column("date", String(32)),
    Column("sources", Integer, nullable=False),
    Column("claim_sources", Integer, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("modalities", String(64), nullable=False),
    Column("first_ingest", String(10)),
    Column("claims", JSON),
    Index("ix_kb_ties_pair", "lo", "hi"),
    Index("ix_kb_ties_hi", "hi"),
    Index("ix_kb_ties_subject", "subject", "kind"),
)
"""``kb_ties``: one row per knowledge-base tie between two people or organisations, as analysis
shows it by default (denied claims aside): a relation (``kind`` = predicate, ``subject`` = its
subject kb id) or a co-presence at kb ``event`` (``date`` its date). ``lo`` < ``hi`` are the two
ends; ``sources`` independent sources (for a co-presence, those placing both), ``claim_sources``
the independent sources of all its claims, ``confidence`` the best, ``modalities`` comma-joined,
``first_ingest`` the day its earliest document was ingested; ``claims`` a relation's claim ids
(JSON list, denials included), so the few shown are read by key."""

kb_links = Table(
    "kb_links", metadata,
    Column("node", String(200), primary_key=True),
    Column("other", String(200), primary_key=True),
    Column("other_type", String(32)),
    Column("other_documents", Integer),
    Column("ties", Integer, nullable=False),
    Column("claim_sources", Integer, nullable=False),
    Column("sources", Integer, nullable=False),
    Column("best_sources", Integer, nullable=False),
    Column("best_confidence", Float, nullable=False),
    Column("kinds", String(200), nullable=False),
    Column("first", String(32)),
    Column("last", String(32)),
    Column("events", JSON),
)
"""``kb_links``: the pairs of ``kb_ties``, once in each direction (``node`` → ``other``, with the
other's type and document count): how many ties, the most independent sources of one tie
(``claim_sources`` over its claims, ``sources`` as the tie counts them), the strongest tie's
sources and confidence, the kinds of tie (comma-joined), the first and last dates of their
events and the events (JSON list of kb event ids)."""

kb_presence = Table(
    "kb_presence", metadata,
    Column("entity", String(200), primary_key=True),
    Column("event", String(200), primary_key=True),
    Column("date", String(32)),
    Column("present", Boolean, nullable=False),
    Column("type", String(32)),
    Index("ix_kb_presence_event", "event", "entity"),
)
"""``kb_presence``: the kb events each kb entity is named at (participant, organizer or location;
``present`` when participant or organizer), with the event's date and the entity's type."""

kb_firsts = Table(
    "kb_firsts", metadata,
    Column("level", String(16), primary_key=True),
    Column("lo", String(200), primary_key=True),
    Column("hi", String(200), primary_key=True),
    Column("start", String(10), nullable=False),
    Column("date", String(32)),
    Column("event", String(200)),
)
"""``kb_firsts``: when two entities were first together at a dated event (``start``: the first
day of that event's date; ``date``, ``event``). ``level`` ``all``: both present; ``organization``:
two organisations, each present or represented by a member."""

kb_aggregates = Table(
    "kb_aggregates", metadata,
    Column("name", String(64), primary_key=True),
    Column("built_at", DateTime(timezone=True), nullable=False),
    Column("counts", JSON),
    Column("generation", String(32)),  # migration 0006_timeline
)
"""``kb_aggregates``: which aggregates are built and when (analysis reads claims when absent).
``generation``: on the ``store`` row, a token that changes whenever claims or clusters are written
(``store.edges.touch``); on the ``edges`` row, the token the aggregates were counted from. They differ
while the aggregates are stale (resolution ran without a refresh), and analysis reads claims."""

def _timeline_table(name: str, order: Column) -> Table:
    """A table of timeline rows: per entity and kb event what a timeline row shows, ``order`` placing it."""
    return Table(
        name, metadata,
        Column("entity", String(200), primary_key=True),
        order,
        Column("event", String(200), nullable=False),
        Column("date", String(32)),
        Column("sources", Integer, nullable=False),
        Column("record", JSON, nullable=False),
        Column("claims", JSON, nullable=False),
        Index(f"ix_{name}_event", "event"),  # the rows at an event (recounted, renamed)
    )


# added by migration 0006_timeline (its event index by 0009_aggregate_indexes)
kb_timeline = _timeline_table("kb_timeline", Column("rank", Integer, primary_key=True))
"""``kb_timeline``: the timeline rows before migration ``0011_timeline_positions`` (ordered by a dense
``rank``, which a new row made every later row move for); no longer written: that migration empties it
and fills ``kb_timelines``."""

# added by migration 0011_timeline_positions
kb_timelines = _timeline_table("kb_timelines", Column("position", LargeBinary, primary_key=True))
"""``kb_timelines``: one row per kb event on an entity's timeline (the events it is named at and, for a
person, those of their organisations told in the same documents, ``via`` the organisation);
``position`` its order key as bytes (``store.timelines.position``: dated first, by start, type, place,
event), so the primary key's index reads a timeline in order and a new row goes in at its place;
``record`` the row as ``analysis.timeline`` shows it without its quotes (type, name, date, place, roles,
modalities, sources, co-participants, via), ``claims`` the claim ids whose quotes it cites, in order."""

# added by migration 0009_aggregate_indexes, beside ``ix_kb_timeline_event``: the events located at a kb
# entity (a renamed place's name shows in their timeline rows); plain DDL, so 0001 builds kb_events as before
KB_EVENTS_LOCATION_INDEX = "CREATE INDEX IF NOT EXISTS ix_lw_kb_events_location ON kb_events (location_kb)"

# added by migration 0010_step_indexes (plain DDL, as above): an event by its place's or organiser's record,
# the first meetings at an event
STEP_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_lw_events_location_record ON events (location_record)",
    "CREATE INDEX IF NOT EXISTS ix_lw_events_organizer_record ON events (organizer_record)",
    "CREATE INDEX IF NOT EXISTS ix_lw_kb_firsts_event ON kb_firsts (event)",
)

# added by migration 0007_seen: what the analysis aggregates were counted from (``store.increment``)
kb_seen = Table(
    "kb_seen", metadata,
    Column("kind", String(16), primary_key=True),
    Column("key", String(500), primary_key=True),
    Column("value", Text),
)
"""``kb_seen``: the inputs the analysis aggregates were last counted from, so a refresh after a few new
documents recounts only what they touch: ``item`` (clusters: item → kb id), ``document`` (id →
ingested at), ``entity`` / ``event`` (kb id → the summary fields the aggregates show, JSON),
``member`` (person and organisation kb ids joined by a unit separator)."""

# added by migration 0008_block_keys: resolution's blocking keys, so new items find their candidates
block_keys = Table(
    "block_keys", metadata,
    Column("kind", String(16), primary_key=True),
    Column("key", String(500), primary_key=True),
    Column("item_id", String(200), primary_key=True),
)
"""``block_keys``: the blocking keys of every resolved item (``kind`` entity: a record's name keys, from
``resolve.entities.blocking_keys``; ``kind`` event: an event's country-and-month key), written by every
resolution, so an incremental one (``store.resolve_new``) finds a new item's candidates with an indexed
read instead of a pass over the store. Keys that depend on cluster ids (an event's parties and place)
are not kept here: they are read through ``clusters``."""
