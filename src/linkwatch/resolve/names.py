"""Name keys for blocking and comparison.

Uses ``linkwatch.model.names`` (``fold``, ``name_key``, ``strip_honorifics``)
when it exists and falls back to the small implementations here, so
resolution works while the reference-data layer lands.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

try:  # the shared implementation, when present
    from linkwatch.model import names as _shared
except ImportError:  # pragma: no cover - depends on another engineer's module
    _shared = None

HONORIFICS = frozenset("""
mr mrs ms dr dr. prof professor sheikh shaikh shaykh sheik maulana moulana mawlana mullah mulla
hafiz hafez ayatollah ayatullah grand imam hojatoleslam seyyed sayyid syed sayed general gen
lt col colonel major maj brig brigadier commander cmdr president prime minister minister king
prince emir amir sir lord his her highness excellency father mufti qari haji hajji sardar
""".split())

PARTICLES = frozenset({"al", "el", "ul", "ud", "ur", "ad", "ed", "bin", "ibn", "the", "of", "de", "du",
                       "wal", "wa", "and", "e", "i", "ag"})

_SUBS = [("dzh", "j"), ("zh", "j"), ("ch", "j"), ("sh", "s"), ("ph", "f"), ("kh", "k"), ("gh", "k"),
         ("q", "k"), ("ck", "k"), ("c", "k"), ("dh", "z"), ("th", "t"), ("ou", "u"), ("ee", "i"),
         ("oo", "u"), ("x", "ks"), ("w", "v")]
_VOWELS = set("aeiouy")


def fold(text: str) -> str:
    """Lower-case ASCII with punctuation turned into spaces."""
    if _shared is not None and hasattr(_shared, "fold"):
        text = _shared.fold(text)
    if not text.isascii():  # ASCII is already its own NFKD and transliteration
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
        try:
            from unidecode import unidecode
            text = unidecode(text)
        except ImportError:  # pragma: no cover
            pass
    text = text.lower().replace("'", "").replace("\u2019", "")
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


@lru_cache(maxsize=1 << 16)
def tokens(name: str) -> tuple[str, ...]:
    """Folded tokens without honorifics and particles (``al-Qadoumi`` → ``qadoumi``); names recur across
    documents, so results are cached."""
    out = tuple(t for t in fold(name).split() if t not in HONORIFICS)
    kept = tuple(t for t in out if t not in PARTICLES)
    return kept or out


@lru_cache(maxsize=1 << 16)
def skeleton(token: str) -> str:
    """A transliteration-tolerant key of one token: Zaheer / Zahir / Zuhair → ``zhr``."""
    t = token
    if len(t) > 3 and t.endswith("h") and t[-2] in _VOWELS:
        t = t[:-1]  # Haniyeh → Haniye
    for a, b in _SUBS:
        t = t.replace(a, b)
    if not t:
        return t
    head = "a" if t[0] in "aeiou" else t[0]
    rest = "".join(c for c in t[1:] if c not in _VOWELS and c != "h")
    out = [head]
    for c in rest:
        if c != out[-1]:
            out.append(c)
    return "".join(out)


def name_key(name: str) -> str:
    """Spelling-variant key of a whole name: skeletons of its tokens joined by spaces."""
    return " ".join(skeleton(t) for t in tokens(name))


@lru_cache(maxsize=1 << 16)
def compact_key(name: str) -> str:
    """The skeleton of the whole name written as one word (``Abu Bakr`` = ``Abubakar``)."""
    return skeleton("".join(tokens(name)))


def acronym(name: str) -> str | None:
    """``Lashkar-e-Taiba`` → None (one word); ``Islamic State Khorasan Province`` → ``iskp``."""
    words = [w for w in re.split(r"[\s\-]+", fold(name)) if w and w not in {"of", "the", "and", "for", "in"}]
    if len(words) < 2:
        return None
    return "".join(w[0] for w in words)


def is_acronym(surface: str) -> bool:
    s = surface.replace(".", "").replace("-", "")
    return 2 <= len(s) <= 8 and s.isupper() and s.isalpha()
