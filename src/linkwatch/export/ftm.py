"""FollowTheMoney entities (JSON lines) for Aleph, OpenSanctions tooling and ``ftm`` itself.

Person / Organization / Address for entities, Membership for ``member_of``
(person → organisation), UnknownLink for other ties (the predicate as its
role), Event for events (``involved``, ``organizer``, ``addressEntity``) and
Article for source documents, cited from every statement through ``proof``.
"""
from __future__ import annotations

import json
from typing import Iterable, Iterator

from followthemoney import model

from linkwatch.errors import ExportError

SCHEMA_OF = {"person": "Person", "organization": "Organization", "location": "Address"}


def _make(schema: str, *parts: str):
    entity = model.make_entity(schema)
    entity.make_id("linkwatch", schema, *parts)
    return entity


def _quote(record: dict) -> str | None:
    quote = next((q["quote"] for q in record.get("evidence") or [] if q.get("quote")), None)
    return " ".join(quote.split()) if quote else None


def to_ftm(records: Iterable[dict]) -> Iterator[dict]:
    """Yield FtM entity dicts (``EntityProxy.to_dict()``) in reference order."""
    ids: dict[str, str] = {}
    schemas: dict[str, str] = {}
    docs: dict[str, str] = {}
    urls: dict[str, str] = {}
    names: dict[str, str] = {}
    for record in records:
        kind = record["kind"]
        if kind == "document":
            article = _make("Article", record["id"])
            article.add("title", record.get("title") or record["id"])
            article.add("publishedAt", record.get("published"), quiet=True)
            article.add("sourceUrl", record.get("url"), quiet=True)
            article.add("publisher", record.get("outlet"), quiet=True)
            article.add("fileName", record.get("source"), quiet=True)
            docs[record["id"]] = article.id
            if record.get("url"):
                urls[record["id"]] = record["url"]
            yield article.to_dict()
        elif kind == "entity":
            schema = SCHEMA_OF.get(record["type"])
            if schema is None:
                continue
            proxy = _make(schema, record["id"])
            if schema == "Address":
                proxy.add("full", record["name"])
            else:
                proxy.add("name", record["name"])
                proxy.add("alias", [a for a in record.get("aliases") or [] if a != record["name"]], quiet=True)
                if record.get("watchlisted"):
                    proxy.add("notes", "watchlisted: " + ", ".join(
                        w.get("list", "") for w in record.get("watchlists") or []) or "watchlisted", quiet=True)
            ids[record["id"]] = proxy.id
            schemas[record["id"]] = schema
            names[record["id"]] = record["name"]
            yield proxy.to_dict()
        elif kind == "relation":
            a, b = record["subject"], record["object"]
            if a not in ids or b not in ids:
                continue
            if record["predicate"] == "member_of" and schemas[a] == "Person" and schemas[b] == "Organization":
                link = _make("Membership", record["id"])
                link.add("member", ids[a])
                link.add("organization", ids[b])
                link.add("role", record.get("roles") or [], quiet=True)
            else:
                if schemas[a] == "Address" or schemas[b] == "Address":
                    continue  # UnknownLink joins legal entities; a place is not one
                link = _make("UnknownLink", record["id"])
                link.add("subject", ids[a])
                link.add("object", ids[b])
                link.add("role", record["predicate"])
            link.add("date", record.get("time"), quiet=True)
            link.add("status", ", ".join(record.get("modality") or []), quiet=True)
            link.add("summary", _quote(record), quiet=True)
            link.add("description", f"{record['sources']} independent source(s); "
                                    f"confidence {record.get('confidence')}", quiet=True)
            link.add("proof", [docs[d] for d in record["documents"] if d in docs], quiet=True)
            link.add("sourceUrl", [urls[d] for d in record["documents"] if d in urls], quiet=True)
            yield link.to_dict()
        elif kind == "event":
            event = _make("Event", record["id"])
            place = names.get(record.get("place"))
            title = f"{record['type']}{': ' + record['name'] if record.get('name') else ''}" \
                    f"{' in ' + place if place else ''}"
            event.add("name", title)
            event.add("date", record.get("date"), quiet=True)
            event.add("location", place, quiet=True)
            if record.get("place") in ids and schemas[record["place"]] == "Address":
                event.add("addressEntity", ids[record["place"]])
            event.add("involved", [ids[p["entity"]] for p in record["participants"]
                                   if p["entity"] in ids and schemas[p["entity"]] != "Address"], quiet=True)
            event.add("organizer", [ids[o] for o in record.get("organizers") or []
                                    if o in ids and schemas[o] != "Address"], quiet=True)
            event.add("summary", _quote(record), quiet=True)
            event.add("proof", [docs[d] for d in record["documents"] if d in docs], quiet=True)
            event.add("sourceUrl", [urls[d] for d in record["documents"] if d in urls], quiet=True)
            yield event.to_dict()


def write_ftm(records: Iterable[dict], path) -> dict:
    counts: dict[str, int] = {}
    try:
        with open(path, "w", encoding="utf-8") as fh:
            for entity in to_ftm(records):
                counts[entity["schema"]] = counts.get(entity["schema"], 0) + 1
                fh.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}") from exc
    return {"path": str(path), "entities": sum(counts.values()), **counts}
