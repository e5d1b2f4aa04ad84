"""Import FollowTheMoney / OpenSanctions entity files as watchlists.

Accepts FtM JSON lines (one entity per line, as OpenSanctions publishes
``entities.ftm.json``) or a JSON array of such entities. Every name and
alias is indexed by its spelling-variant key, so ``show`` marks an entity
whose name matches a listed one. Re-importing a list replaces it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from sqlalchemy import delete, select

from linkwatch.errors import InputError
from linkwatch.resolve.names import name_key
from linkwatch.store import schema as S
from linkwatch.store.db import writing

NAME_PROPS = ("name", "alias", "weakAlias", "previousName")
SCHEMATA = {"Person", "Organization", "LegalEntity", "Company", "PublicBody"}


def read_ftm(path: Path) -> Iterator[dict]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read watchlist: {exc}", source=str(path)) from exc
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            yield from json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", source=str(path), line=exc.lineno) from exc
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"not a JSON line: {exc.msg}", source=str(path), line=n) from exc


def import_watchlist(engine, path: str | Path, *, list_name: str | None = None) -> dict:
    path = Path(path)
    list_name = list_name or path.stem.split(".")[0]
    entities, names = [], []
    for obj in read_ftm(path):
        if not isinstance(obj, dict) or obj.get("schema") not in SCHEMATA:
            continue
        props = obj.get("properties") or {}
        all_names = [n for p in NAME_PROPS for n in props.get(p, []) if isinstance(n, str) and n.strip()]
        if not all_names or not obj.get("id"):
            continue
        wid = f"{list_name}:{obj['id']}"
        entities.append(dict(id=wid, list=list_name, entity_id=str(obj["id"]), schema=obj.get("schema"),
                             name=obj.get("caption") or all_names[0], properties=props))
        for n in dict.fromkeys(all_names):
            key = name_key(n)
            if key:
                names.append(dict(watchlist_id=wid, name=n, name_key=key[:300]))
    with writing(engine, f"import watchlist {list_name}") as conn:
        ids = select(S.watchlists.c.id).where(S.watchlists.c.list == list_name)
        conn.execute(delete(S.watchlist_names).where(S.watchlist_names.c.watchlist_id.in_(ids)))
        conn.execute(delete(S.watchlists).where(S.watchlists.c.list == list_name))
        for i in range(0, len(entities), 2000):
            conn.execute(S.watchlists.insert(), entities[i:i + 2000])
        for i in range(0, len(names), 5000):
            conn.execute(S.watchlist_names.insert(), names[i:i + 5000])
    return {"list": list_name, "entities": len(entities), "names": len(names)}
