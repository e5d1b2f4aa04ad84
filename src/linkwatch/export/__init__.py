"""Exports: one writer per format, each fed any iterable of export records (``export.records``).

    stix     STIX 2.1 bundle (threat-actor, identity, location, relationship, note, report)
    ftm      FollowTheMoney entities, one JSON object per line
    graphml  GraphML for Gephi / yEd / networkx
    gexf     GEXF for Gephi
    csv      nodes.csv, edges.csv, events.csv, evidence.csv in a folder
    reports-jsonl  the stored per-document reports (the store's ``iter_reports``)
"""
from __future__ import annotations

FORMATS = ("stix", "ftm", "graphml", "gexf", "csv", "reports-jsonl")


def export(records, fmt: str, path) -> dict:
    """Write ``records`` in ``fmt`` to ``path`` (a folder for csv); returns counts."""
    from linkwatch.errors import ExportError

    if fmt == "stix":
        from linkwatch.export.stix import write_stix
        return write_stix(records, path)
    if fmt == "ftm":
        from linkwatch.export.ftm import write_ftm
        return write_ftm(records, path)
    if fmt in ("graphml", "gexf"):
        from linkwatch.export.graph import write_graph
        return write_graph(records, path, fmt=fmt)
    if fmt == "csv":
        from linkwatch.export.tabular import write_csv
        return write_csv(records, path)
    raise ExportError(f"unknown export format {fmt!r} ({', '.join(FORMATS)})")


def write_reports_jsonl(reports, path) -> dict:
    """One stored report per line (``linkwatch.store.iter_reports``)."""
    import json

    from linkwatch.errors import ExportError

    count = 0
    try:
        with open(path, "w", encoding="utf-8") as fh:
            for report in reports:
                fh.write(json.dumps(report, ensure_ascii=False, default=str) + "\n")
                count += 1
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}") from exc
    return {"path": str(path), "reports": count}
