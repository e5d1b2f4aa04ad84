"""One reader per format: each turns one file's bytes into Articles."""
from __future__ import annotations

import json
import re
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

from linkwatch.errors import DecodeError, EmptyDocument, InputError
from linkwatch.ingest.decode import clean_text, decode_bytes
from linkwatch.model.records import Article, Failure


def iso_date(value) -> str | None:
    """Lenient: anything date-like → 'YYYY-MM-DD', junk → None."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
        except ValueError:
            return None
    try:
        from email.utils import parsedate_to_datetime
        return parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


_WORD = re.compile(r"\w")


def _require_text(text: str, source: str, line: int | None = None) -> str:
    if not text or not text.strip():
        raise EmptyDocument("no text in document", source=source, line=line)
    if not _WORD.search(text):
        raise EmptyDocument("no words in document (only punctuation or symbols)", source=source, line=line)
    return text


def read_text(data: bytes, *, source: str, stem: str) -> Iterator[Article]:
    text = _require_text(decode_bytes(data, source=source), source)
    yield Article(id=stem, text=text, source=source)


def read_html(data: bytes, *, source: str, stem: str) -> Iterator[Article]:
    import trafilatura

    html = decode_bytes(data, source=source)
    # no deduplicate=True: trafilatura's duplicate cache is process-wide, so a page (or a
    # paragraph reprinted from a wire) read a few times would come back empty or cut
    text = trafilatura.extract(html, include_comments=False, include_tables=False,
                               favor_precision=True)
    # markup dates only: the extensive search turns "Copyright 2024" into 2024-01-01
    meta = trafilatura.extract_metadata(html, date_config={"extensive_search": False, "original_date": True})
    text = _require_text(_drop_boilerplate(clean_text(text or "")), source)
    if _only_boilerplate(text, html):
        raise EmptyDocument("no main text (only navigation, links or page furniture)", source=source)
    yield Article(id=stem, text=text, source=source,
                  title=getattr(meta, "title", None) if meta else None,
                  published=iso_date(getattr(meta, "date", None)) if meta else None,
                  url=getattr(meta, "url", None) if meta else None,
                  outlet=getattr(meta, "sitename", None) if meta else None)


_BOILERPLATE = re.compile(r"^\s*(also read|read more|related|advertisement|subscribe)\b.*$", re.I | re.M)


def _drop_boilerplate(text: str) -> str:
    return _BOILERPLATE.sub("", text).strip()


_FURNITURE = "//a | //nav | //header | //footer | //aside | //menu | //button | //form"


def _only_boilerplate(text: str, html: str) -> bool:
    """True when every line the extractor kept is link or navigation text of the page."""
    import lxml.html
    from lxml.etree import ParserError

    try:
        tree = lxml.html.document_fromstring(html)
    except (ParserError, ValueError):
        return False
    furniture = " ".join(" ".join(el.text_content().split()) for el in tree.xpath(_FURNITURE))
    lines = [" ".join(line.split()) for line in text.split("\n") if line.strip()]
    return all(line in furniture for line in lines)


def article_from_object(obj: dict, *, source: str, stem: str, line: int | None = None,
                        item: int | None = None) -> Article:
    """One JSON object → Article. ``line`` is a file line (JSON lines), ``item`` a list position."""
    where = f"item {item}: " if item else ""
    if not isinstance(obj, dict):
        raise InputError(f"{where}expected a JSON object with a 'text' field, got {type(obj).__name__}",
                         source=source, line=line)
    text = obj.get("text") or obj.get("body") or obj.get("content")
    if not isinstance(text, str) or not text.strip():
        raise EmptyDocument(f"{where}JSON article has no 'text'", source=source, line=line)
    if not _WORD.search(text):
        raise EmptyDocument(f"{where}JSON article's 'text' has no words", source=source, line=line)
    ident = obj.get("id")
    number = line or item
    ident = str(ident) if ident not in (None, "") else (f"{stem}-{number}" if number else stem)
    return Article(id=ident, text=clean_text(text), source=source, title=obj.get("title"),
                   published=iso_date(obj.get("published") or obj.get("date")),
                   url=obj.get("url"), outlet=obj.get("outlet") or obj.get("source"),
                   language=obj.get("language") or "en")


def read_json(data: bytes, *, source: str, stem: str) -> Iterator[Article | Failure]:
    try:
        obj = json.loads(decode_bytes(data, source=source))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg} at line {exc.lineno}", source=source) from exc
    items = obj if isinstance(obj, list) else [obj]
    if not items:
        raise EmptyDocument("empty JSON list", source=source)
    for i, item in enumerate(items, 1):
        try:
            yield article_from_object(item, source=source, stem=stem, item=i if len(items) > 1 else None)
        except InputError as exc:
            yield Failure(source=source, reason=exc.message, code=exc.code)


def read_jsonl(data: bytes, *, source: str, stem: str) -> Iterator[Article | Failure]:
    text = decode_bytes(data, source=source)
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield Failure(source=source, reason=f"invalid JSON line: {exc.msg}", code="E_INPUT", line=number)
            continue
        try:
            yield article_from_object(obj, source=source, stem=stem, line=number)
        except InputError as exc:
            yield Failure(source=source, reason=exc.message, code=exc.code, line=number)


def read_feed(data: bytes, *, source: str, stem: str) -> Iterator[Article | Failure]:
    import feedparser

    feed = feedparser.parse(data)
    if feed.bozo and not feed.entries:
        raise InputError(f"not a readable RSS/Atom feed: {feed.get('bozo_exception')}", source=source)
    for i, entry in enumerate(feed.entries, 1):
        body = ""
        if entry.get("content"):
            body = entry["content"][0].get("value", "")
        body = body or entry.get("summary", "")
        if "<" in body:
            body = html_fragment_text(body)
        body = clean_text(body or "").strip()
        if not _WORD.search(body):
            title = entry.get("title")
            yield Failure(source=source, code="E_EMPTY",
                          reason=f"feed entry {i}" + (f" ({title!r})" if title else "") + " has no text")
            continue
        published = None
        for key in ("published_parsed", "updated_parsed"):
            if entry.get(key):
                published = date(*entry[key][:3]).isoformat()
                break
        yield Article(id=entry.get("id") or entry.get("link") or f"{stem}-{i}", text=body, source=source,
                      title=entry.get("title"), published=published, url=entry.get("link"),
                      outlet=feed.feed.get("title"))


_BLOCK_TAGS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6",
                         "blockquote", "tr", "table", "section", "article", "figure", "figcaption", "hr", "pre"})


class _FragmentText(HTMLParser):
    """Text of a small HTML fragment: inline tags vanish, block tags break paragraphs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_fragment_text(html: str) -> str:
    """Feed entry HTML → plain text (trafilatura splits short fragments at inline tags)."""
    parser = _FragmentText()
    parser.feed(html)
    parser.close()
    paragraphs = (re.sub(r"[ \t\r\f\v\n]+", " ", chunk).strip() for chunk in "".join(parser.parts).split("\n\n"))
    return "\n\n".join(p for p in paragraphs if p)


def read_pdf(data: bytes, *, source: str, stem: str) -> Iterator[Article]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        raise DecodeError(f"unreadable PDF: {exc}", source=source) from exc
    text = _require_text(clean_text("\n\n".join(pages)), source)
    title = (reader.metadata or {}).get("/Title") if reader.metadata else None
    yield Article(id=stem, text=text, source=source, title=str(title) if title else None)


def sniff(data: bytes) -> str:
    head = data[:2048].lstrip().lower()
    if head.startswith(b"%pdf"):
        return "pdf"
    if head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head):
        return "feed"
    if head.startswith((b"<rss", b"<feed")):
        return "feed"
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "html"
    if head.startswith((b"{", b"[")):
        return "json"
    return "text"


READERS = {
    ".txt": read_text, ".text": read_text, ".md": read_text,
    ".html": read_html, ".htm": read_html, ".xhtml": read_html,
    ".json": read_json, ".jsonl": read_jsonl, ".ndjson": read_jsonl,
    ".rss": read_feed, ".atom": read_feed, ".xml": read_feed,
    ".pdf": read_pdf,
}
SNIFFED = {"pdf": read_pdf, "feed": read_feed, "html": read_html, "json": read_json, "text": read_text}


def reader_for(path: Path, data: bytes):
    return READERS.get(path.suffix.lower()) or SNIFFED[sniff(data)]
