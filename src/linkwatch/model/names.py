"""Name normalisation and spelling-variant keys.

Three functions, used for organisations now and for people later:

``fold(text)``
    A display-insensitive form: case-folded, accents stripped, quotes,
    apostrophes, hyphens and dashes unified, a leading "the" dropped,
    whitespace collapsed. Two surfaces with the same fold are the same string
    for every practical purpose ("Al-Qaeda" / "al Qaeda").

``name_key(text)``
    A transliteration-tolerant key for Arabic, Urdu, Persian and Russian names
    written in Latin letters. "Lashkar-e-Taiba", "Lashkar-e-Tayyiba" and
    "Lashkar e Toiba" share a key; "Ansar Dine" and "Ansaru" do not. The rules
    are generic (no per-organisation cases):

    * connector and article tokens are dropped (``-e-``, ``-i-``, ``ul``,
      ``ud``, ``al``, ``el``, ``wal`` ... and English/French stop words), and
      the assimilated forms "Abdur Rahman", "Jamaatud Dawa", "Eddine" lose
      their article;
    * letters are unified where transliterations disagree: q→k, gh→g, ph→f,
      v→w, dh/zh/j→z, ck→k, c→s before e/i/y, other c→k, ee→i, oo/ou→u; doubled letters collapse; a final
      h after a vowel and a final silent e are dropped;
    * every run of vowels becomes one class letter: ``y`` when it carries an
      i/e/y glide (Qaeda/Qaida, Hussain/Husayn, Taiba/Tayyiba/Toiba),
      ``w`` when it carries a u/o/w glide (Tauhid/Tawhid, Daud/Dawood), else a
      plain ``a`` (Mohammed/Muhammad). A word-initial plain vowel keeps its
      quality (i for e/i, u for o/u, a) so "Islam" and "Aslam" stay apart,
      and so does a word-final one (Ansaru / Ansari).

    Known trade-off: j and z share a key letter (Naji Zaheer / Nazi Zahir),
    so Raja and Raza do too. Keys are for blocking and candidate lookup, not
    proof of identity.

``strip_honorifics(text)``
    Drops leading titles and ranks (Maulana, Hafiz, Sheikh, Dr ...). The list
    lives in ``data/honorifics.yaml``.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

import yaml

_APOSTROPHES = "'\u2019\u2018\u02bc\u02bb\u02bf\u02be\u0060\u00b4\u2032\u02b9"
_QUOTES = "\"\u201c\u201d\u201e\u00ab\u00bb\u2033"
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad_"

_APOSTROPHE_RE = re.compile(f"[{re.escape(_APOSTROPHES)}]")
_QUOTE_DASH_RE = re.compile(f"[{re.escape(_QUOTES + _DASHES)}]")
_ACRONYM_DOT_RE = re.compile(r"(?<![^\W\d_])([^\W\d_])\.(?=[^\W\d_]\.|\s|$)")
_PUNCT_RE = re.compile(r"[^\w\s]")
_SPACE_RE = re.compile(r"\s+")
_THE_RE = re.compile(r"^the\s+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Case-fold, strip accents, unify punctuation to spaces, drop a leading 'the'."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    out = stripped.casefold()
    # Apostrophes inside words are transliteration marks (Jama'at, Qa'ida): drop them.
    out = _APOSTROPHE_RE.sub("", out)
    out = _QUOTE_DASH_RE.sub(" ", out)
    # "U.S." -> "us", "E.U." -> "eu"; other dots become spaces below.
    out = _ACRONYM_DOT_RE.sub(r"\1", out)
    out = _PUNCT_RE.sub(" ", out)
    out = _SPACE_RE.sub(" ", out).strip()
    return _THE_RE.sub("", out)


# --- name_key -----------------------------------------------------------------

# Tokens that carry no identity: Arabic/Urdu/Persian connectors and articles,
# and English/French function words.
_DROP_TOKENS = frozenset(
    """
    e i ul ud ur us ut un uz ush uj al el il ad ed ar er as es at et az ez ash an en
    wal wa w fi li lil bil
    the of and in for on de du des la le les d l y
    """.split()
)
_BIN_TOKENS = {"ibn": "bin", "ben": "bin", "bin": "bin", "bint": "bint"}
_SUN = "tdrszln"
# "Abdur Rahman", "Jamaatud Dawa", "Abdus Salam": token ends in u/e + a sun
# letter that the next token starts with.
_ASSIMILATED_SUFFIX_RE = re.compile(rf"^(?P<stem>.{{3,}}?)[ue](?P<c>sh|[{_SUN}])$")
# "Abdul", "Dawatul", "Abdel": an article fused to the end of a word.
_FUSED_ARTICLE_RE = re.compile(r"^(?P<stem>.{3,}?)(?:ul|el)$")
# "Eddine", "Ennahda": an article fused to the start, assimilated.
_FUSED_PREFIX_RE = re.compile(rf"^e(sh|[{_SUN}])\1(?=.{{3,}})")

_LETTER_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), repl)
    for pattern, repl in (
        (r"ck", "k"),
        (r"c(?=[eiy])", "s"),
        (r"c(?!h)", "k"),
        (r"q", "k"),
        (r"gh", "g"),
        (r"ph", "f"),
        (r"v", "w"),
        (r"dh|zh|j", "z"),
        (r"ee", "i"),
        (r"oo|ou", "u"),
        (r"(.)\1+", r"\1"),      # doubled letters
        (r"(?<=[aeiouy])h$", ""),  # Haniyeh -> Haniye, Dawah -> Dawa
        (r"(?<=[^aeiouyw])e$", ""),  # Dine -> Din, Mourabitoune -> Murabitun
    )
)
_VOWELS = frozenset("aeiou")
_RUN_RE = re.compile(r"[aeiouyw]+")


def _classify(run: str, *, initial: bool, final: bool) -> str:
    if len(run) > 1:
        if any(ch in "iey" for ch in run):
            return "y"
        if any(ch in "uow" for ch in run):
            return "w"
    if initial or final:
        first = run[0]
        return "i" if first in "ie" else "u" if first in "ou" else "a"
    return "a"


def _skeleton(token: str) -> str:
    """Letters unified and vowel runs reduced to class letters."""
    for pattern, repl in _LETTER_RULES:
        token = pattern.sub(repl, token)
    if not token:
        return token
    out: list[str] = []
    i = 0
    n = len(token)
    while i < n:
        ch = token[i]
        if ch in _VOWELS or (ch in "yw" and i > 0):
            j = i
            while j < n and (token[j] in _VOWELS or (token[j] in "yw" and j > 0)):
                j += 1
            run = token[i:j]
            # a lone glide between consonants is a consonant (Hizb-i-Wali -> w)
            if run in ("y", "w") and 0 < i and j < n:
                out.append(run)
            else:
                out.append(_classify(run, initial=i == 0, final=j == n))
            i = j
        else:
            out.append(ch)
            i += 1
    return "".join(out)


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """Spelling-variant-tolerant key (see the module docstring for the rules)."""
    tokens = [t for t in fold(text).split() if t]
    tokens = [_BIN_TOKENS.get(t, t) for t in tokens]
    kept: list[str] = []
    for index, token in enumerate(tokens):
        if token in _DROP_TOKENS and len(tokens) > 1:
            continue
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if following:
            match = _ASSIMILATED_SUFFIX_RE.match(token)
            if match and following.startswith(match.group("c")):
                token = match.group("stem")
            else:
                fused = _FUSED_ARTICLE_RE.match(token)
                if fused:
                    token = fused.group("stem")
        token = _FUSED_PREFIX_RE.sub(r"\1", token)
        kept.append(token)
    return " ".join(s for s in (_skeleton(t) for t in kept) if s)


# --- honorifics -----------------------------------------------------------------


@lru_cache(maxsize=1)
def _honorific_re() -> re.Pattern[str]:
    raw = resources.files("linkwatch").joinpath("data", "honorifics.yaml").read_text("utf-8")
    data = yaml.safe_load(raw) or {}
    words: list[str] = []
    for group in data.values():
        words.extend(str(word) for word in group or ())
    # longest first so "Grand Ayatollah" wins over "Grand"
    words.sort(key=len, reverse=True)
    alternation = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words)
    return re.compile(rf"^(?:(?:{alternation})\.?(?:\s+|$))+", re.IGNORECASE)


def honorifics() -> list[str]:
    """Every title and rank listed in ``data/honorifics.yaml``."""
    raw = resources.files("linkwatch").joinpath("data", "honorifics.yaml").read_text("utf-8")
    data = yaml.safe_load(raw) or {}
    return [str(word) for group in data.values() for word in group or ()]


def strip_honorifics(text: str) -> str:
    """Drop leading titles and ranks; the name itself is never emptied."""
    stripped = _honorific_re().sub("", text.strip())
    return stripped.strip() or text.strip()
