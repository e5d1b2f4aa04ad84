"""Readers: every format → Articles; every bad document → a Failure naming the file (and line) and why.

No spaCy here: these tests only read. Bad files are made in ``tmp_path`` at test time.
"""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from linkwatch.errors import InputError
from linkwatch.ingest import read_bytes, read_paths
from linkwatch.ingest import readers
from linkwatch.model.records import Article, Failure

FIXTURES = Path(__file__).resolve().parent / "fixtures"

BODY = ("<p>The Crimson Front held a rally in Karsan on Monday, according to local officials "
        "who spoke to reporters after the event.</p><p>Naji Zaheer, a senior commander of the group, "
        "addressed the crowd for an hour before leaving the city under heavy guard.</p>")


def html_page(*, meta: str = "", body: str = BODY) -> str:
    return (f"<!doctype html><html><head><title>Rally in Karsan</title>{meta}</head>"
            f"<body><article>{body}</article></body></html>")


def read_one(path: Path, **kwargs) -> Article | Failure:
    (item,) = read_paths([path], **kwargs)
    return item


def make_pdf(text: str, *, title: str | None = None) -> bytes:
    """A one-page PDF with ``text`` in Helvetica, built with pypdf at test time."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=612, height=792)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 72 720 Td (" + text.encode("latin-1") + b") Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    if title:
        writer.add_metadata({"/Title": title})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# ---- good documents ---------------------------------------------------------------


def test_plain_text_is_read_as_is(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Omar Bashir met Karim Haddad in Tel Ashar.\n", encoding="utf-8")
    article = read_one(path)
    assert article == Article(id="note", text="Omar Bashir met Karim Haddad in Tel Ashar.\n", source=str(path))


def test_crlf_and_bom_are_normalised(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes(b"\xef\xbb\xbfFirst line.\r\nSecond line.\rThird.")
    assert read_one(path).text == "First line.\nSecond line.\nThird."


def test_latin1_text_is_decoded(tmp_path):
    path = tmp_path / "old.txt"
    path.write_bytes("Le chef du groupe s'est rendu à Bamako, a déclaré un porte-parole de l'armée malienne.".encode("latin-1"))
    assert "à Bamako, a déclaré" in read_one(path).text


def test_unicode_spaces_become_spaces_of_the_same_length(tmp_path):
    raw = "VELMONT\u2014The \u201cArmy of the Dawn\u201d: Tariq\u00a0Rahimi\u2019s deputy, Yusuf\u202fNouri \u2013 12\u2009May."
    path = tmp_path / "u.txt"
    path.write_text(raw, encoding="utf-8")
    text = read_one(path).text
    assert len(text) == len(raw)
    assert text == raw.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    assert "\u201cArmy of the Dawn\u201d" in text and "\u2014" in text and "\u2013" in text and "\u2019" in text


def test_html_main_text_title_and_meta_date(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(html_page(meta='<meta property="article:published_time" content="2024-03-05T09:30:00Z">'))
    article = read_one(path)
    assert article.title == "Rally in Karsan"
    assert article.published == "2024-03-05"
    assert article.text.startswith("The Crimson Front held a rally in Karsan on Monday")
    assert "<p>" not in article.text and "Naji Zaheer" in article.text


def test_published_overrides_the_document_date(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(html_page(meta='<meta name="date" content="2024-03-05">'))
    assert read_one(path).published == "2024-03-05"
    assert read_one(path, published="2020-01-02").published == "2020-01-02"
    assert read_one(path, published="2020-01-02T08:00:00").published == "2020-01-02"


def test_published_that_is_not_a_date_is_an_error(tmp_path):
    with pytest.raises(InputError, match="'next tuesday' is not a date"):
        read_paths([tmp_path], published="next tuesday")


def test_html_drops_read_more_lines(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(html_page(body=BODY + "<p>Also read: Another story about something else entirely here</p>"))
    assert "Also read" not in read_one(path).text


def test_broken_html_with_text_is_read_leniently(tmp_path):
    path = tmp_path / "broken.html"
    path.write_text("<html><head><title>T</title><body><div><p>The Crimson Front met officials in Karsan on "
                    "Monday, a spokesman said. <p>Talks went on <b>for hours <div>and ended without a deal.</html")
    article = read_one(path)
    assert isinstance(article, Article)
    assert "The Crimson Front met officials in Karsan" in article.text and "without a deal" in article.text


def test_json_object(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"id": "x1", "title": "T", "published": "2024-02-10T00:00:00Z", "url": "http://e.org/1",
                                "outlet": "Wire", "text": "Samir Khalidi held talks in Dariya."}))
    assert read_one(path) == Article(id="x1", text="Samir Khalidi held talks in Dariya.", source=str(path), title="T",
                                     published="2024-02-10", url="http://e.org/1", outlet="Wire")


def test_json_list_gives_one_article_per_item_and_names_bad_items(tmp_path):
    path = tmp_path / "many.json"
    path.write_text(json.dumps([{"id": "a", "text": "Alpha went to Karsan."}, {"text": "Beta went to Lotfa."},
                                {"title": "no text"}, 5]))
    items = list(read_paths([path]))
    assert [type(i).__name__ for i in items] == ["Article", "Article", "Failure", "Failure"]
    assert [items[0].id, items[1].id] == ["a", "many-2"]
    assert str(items[2]) == f"{path}: item 3: JSON article has no 'text' [E_EMPTY]"
    assert str(items[3]).startswith(f"{path}: item 4: expected a JSON object")


def test_jsonl_bad_line_is_named_and_good_lines_are_read(tmp_path):
    path = tmp_path / "lines.jsonl"
    path.write_text('{"id": "x", "text": "One went to Karsan."}\n{bad json\n{"title": "t"}\n\n{"text": "Two went to Lotfa."}\n')
    items = list(read_paths([path]))
    assert [i.id for i in items if isinstance(i, Article)] == ["x", "lines-5"]
    failures = [i for i in items if isinstance(i, Failure)]
    assert [(f.line, f.code) for f in failures] == [(2, "E_INPUT"), (3, "E_EMPTY")]
    assert str(failures[0]).startswith(f"{path}:2: invalid JSON line")
    assert str(failures[1]) == f"{path}:3: JSON article has no 'text' [E_EMPTY]"


def test_rss_and_atom_feeds(tmp_path):
    items = list(read_paths([FIXTURES / "feeds"]))
    articles = [i for i in items if isinstance(i, Article)]
    assert [(a.id, a.published, a.outlet) for a in articles] == [
        ("urn:example:atom:a", "2024-03-05", "Atom Wire"),
        ("example-wire-1", "2024-03-05", "Example Wire"),
        ("http://example.org/2", "2024-03-06", "Example Wire")]
    # inline tags do not split sentences; block tags make paragraphs
    assert articles[2].text == "Naji Zaheer visited Velmont on Tuesday, his aides said.\n\nHe met local elders."
    (failure,) = [i for i in items if isinstance(i, Failure)]
    assert failure.source.endswith("wire.rss") and "feed entry 3 ('Photo gallery') has no text" in failure.reason


def test_feed_is_sniffed_without_a_feed_suffix(tmp_path):
    path = tmp_path / "feed"
    path.write_bytes((FIXTURES / "feeds" / "wire.atom").read_bytes())
    assert read_one(path).id == "urn:example:atom:a"


def test_pdf(tmp_path):
    path = tmp_path / "brief.pdf"
    path.write_bytes(make_pdf("Naji Zaheer met Omar Bashir in Karsan on Monday.", title="A brief"))
    article = read_one(path)
    assert (article.id, article.title) == ("brief", "A brief")
    assert article.text == "Naji Zaheer met Omar Bashir in Karsan on Monday."


def test_stdin(monkeypatch):
    class Stdin:
        buffer = io.BytesIO("Omar Bashir met Karim Haddad in Tel Ashar.".encode())

    monkeypatch.setattr("sys.stdin", Stdin)
    (article,) = read_paths(["-"])
    assert (article.id, article.source, article.text) == ("stdin", "<stdin>", "Omar Bashir met Karim Haddad in Tel Ashar.")


def test_directory_is_read_in_name_order_skipping_hidden_and_unknown(tmp_path):
    for name in ("b.txt", "a.json", "sub/c.md", ".hidden.txt", "notes.docx", "z.jsonl"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
    (tmp_path / "b.txt").write_text("Bravo went to Karsan.")
    (tmp_path / "a.json").write_text('{"text": "Alpha went to Lotfa."}')
    (tmp_path / "sub" / "c.md").write_text("Charlie went to Dariya.")
    (tmp_path / ".hidden.txt").write_text("hidden")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "z.jsonl").write_text('{"text": "Zulu went to Qamra."}\n')
    assert [i.id for i in read_paths([tmp_path])] == ["a", "b", "c", "z-1"]


def test_article_text_is_what_the_reader_returns_for_bytes():
    (article,) = read_bytes(b"<html><body><p>Omar Bashir met Karim Haddad in Tel Ashar.</p></body></html>",
                            source="mem", stem="mem")
    assert article.text == "Omar Bashir met Karim Haddad in Tel Ashar."


# ---- bad documents ------------------------------------------------------------------


def _junk(n: int) -> bytes:
    import random
    rnd = random.Random(4)
    return bytes(rnd.randrange(256) for _ in range(n))


BAD = {
    # name: (file name, bytes, code, words the reason must contain)
    "binary junk": ("junk.txt", _junk(3000), "E_DECODE", "binary"),
    "binary with an unknown suffix": ("junk.bin", b"\x7fELF\x02\x01\x01\x00" + _junk(500), "E_DECODE", "binary"),
    "empty file": ("empty.txt", b"", "E_EMPTY", "no text"),
    "whitespace only": ("blank.txt", b" \n\n\t \r\n", "E_EMPTY", "no text"),
    "punctuation only": ("dots.txt", b"... --- !!!", "E_EMPTY", "no words"),
    "undecodable bytes": ("high.txt", bytes(range(128, 256)) * 20, "E_DECODE", "undecodable"),
    "utf-8 mixed with junk": ("mixed.txt", "Hello wörld ".encode() + b"\xff\xfe\x81\x8d\x90" * 50, "E_DECODE",
                              "undecodable"),
    "html with nav and footer only": ("nav.html", (b"<html><body><nav><ul><li><a href=/>Home</a></li>"
                                                   b"<li><a href=/w>World</a></li></ul></nav><footer>Copyright 2024 "
                                                   b"Example News. All rights reserved.</footer></body></html>"),
                                      "E_EMPTY", "no"),
    "html tag soup": ("soup.html", b"<html><body><div><</div", "E_EMPTY", "no"),
    "invalid json": ("bad.json", b'{"text": "unterminated', "E_INPUT", "invalid JSON"),
    "empty json list": ("none.json", b"[]", "E_EMPTY", "empty JSON list"),
    "json without text": ("notext.json", b'{"title": "only a title"}', "E_EMPTY", "no 'text'"),
    "json text without words": ("dots.json", b'{"text": "..."}', "E_EMPTY", "no words"),
    "broken pdf": ("broken.pdf", b"%PDF-1.4\n garbage garbage\n", "E_DECODE", "unreadable PDF"),
    "not a feed": ("feed.rss", b"this is not xml at all", "E_", ""),
}


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_bad_document_is_a_named_failure(tmp_path, case):
    name, data, code, words = BAD[case]
    path = tmp_path / name
    path.write_bytes(data)
    items = list(read_paths([path]))
    assert len(items) == 1 and isinstance(items[0], Failure), items
    failure = items[0]
    assert failure.source == str(path)
    assert failure.code.startswith(code), failure
    assert words.lower() in failure.reason.lower(), failure
    assert str(failure).startswith(f"{path}: ")


def test_fifty_megabytes_is_refused_by_size_without_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.write(b"Omar Bashir met Karim Haddad in Tel Ashar. " * (50 * 1024 * 1024 // 43 + 1))
    assert path.stat().st_size > 50 * 1024 * 1024

    def no_read(self):
        raise AssertionError("an oversized file must not be read")

    monkeypatch.setattr(Path, "read_bytes", no_read)
    (failure,) = read_paths([path])
    assert isinstance(failure, Failure) and failure.code == "E_TOO_LARGE" and failure.source == str(path)
    assert "over the" in failure.reason and "LINKWATCH_MAX_BYTES" in failure.reason


def test_size_limit_applies_to_stdin_too(monkeypatch):
    monkeypatch.setenv("LINKWATCH_MAX_BYTES", "10")

    class Stdin:
        buffer = io.BytesIO(b"Omar Bashir met Karim Haddad.")

    monkeypatch.setattr("sys.stdin", Stdin)
    (failure,) = read_paths(["-"])
    assert failure.code == "E_TOO_LARGE" and failure.source == "<stdin>"


def test_missing_file_is_a_failure(tmp_path):
    (failure,) = read_paths([tmp_path / "nope.txt"])
    assert isinstance(failure, Failure) and "cannot read" in failure.reason and "nope.txt" in failure.source


def test_a_reader_crash_fails_that_document_only(tmp_path, monkeypatch):
    def crash(data, *, source, stem):
        raise RuntimeError("reader bug")
        yield  # pragma: no cover

    monkeypatch.setitem(readers.READERS, ".md", crash)
    (tmp_path / "a.md").write_text("Alpha went to Karsan.")
    (tmp_path / "b.txt").write_text("Bravo went to Lotfa.")
    items = list(read_paths([tmp_path]))
    assert isinstance(items[0], Failure) and "RuntimeError: reader bug" in items[0].reason
    assert isinstance(items[1], Article) and items[1].id == "b"


def test_failures_do_not_stop_the_stream(tmp_path):
    files = {"1.txt": b"Alpha went to Karsan.", "2.txt": b"", "3.jsonl": b'{"text": "Bravo went to Lotfa."}\nnot json\n',
             "4.bin": _junk(100), "5.txt": b"Charlie went to Dariya."}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    paths = sorted(tmp_path.iterdir())
    items = list(read_paths(paths))
    assert [(Path(i.source).name, type(i).__name__) for i in items] == [
        ("1.txt", "Article"), ("2.txt", "Failure"), ("3.jsonl", "Article"), ("3.jsonl", "Failure"),
        ("4.bin", "Failure"), ("5.txt", "Article")]


@pytest.mark.parametrize("value,expected", [
    ("2024-03-05", "2024-03-05"), ("2024-03-05T10:00:00+02:00", "2024-03-05"),
    ("Tue, 05 Mar 2024 10:00:00 GMT", "2024-03-05"), ("2024-02-30", None), ("soon", None), ("", None), (None, None),
])
def test_iso_date_is_lenient(value, expected):
    assert readers.iso_date(value) == expected



def test_html_read_again_gives_the_same_text(tmp_path):
    # trafilatura's deduplicate option keeps a process-wide cache: the 4th read came back empty
    path = tmp_path / "page.html"
    path.write_text(html_page())
    texts = {read_one(path).text for _ in range(6)}
    assert len(texts) == 1 and "Naji Zaheer" in texts.pop()


def test_paragraph_reprinted_in_two_pages_is_kept_in_both(tmp_path):
    shared = "<p>The Crimson Front said on Monday that it had agreed to a ceasefire with the Northern Brigade.</p>"
    for i in range(4):
        (tmp_path / f"p{i}.html").write_text(html_page(body=shared + f"<p>Local copy number {i} adds details "
                                                               "about the talks held in the city of Karsan.</p>"))
    articles = list(read_paths([tmp_path]))
    assert all(isinstance(a, Article) and "agreed to a ceasefire" in a.text for a in articles), articles


def test_html_date_comes_from_markup_not_from_a_copyright_line(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(html_page(body=BODY + "<footer>Copyright 2021 Example Daily</footer>"))
    assert read_one(path).published is None


def test_html_time_element_date_is_used(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(html_page(body='<time datetime="2023-06-07">June 7</time>' + BODY))
    assert read_one(path).published == "2023-06-07"
