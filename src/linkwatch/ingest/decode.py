"""Bytes → text: encoding detection and the few character fixes that keep offsets."""
from __future__ import annotations

from charset_normalizer import from_bytes

from linkwatch.errors import DecodeError

# one-for-one replacements only: offsets into the returned text stay meaningful
_SAME_LENGTH = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ",
                              "\u200a": " ", "\u3000": " ", "\ufeff": " "})


def looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if not head:
        return False
    if b"\x00" in head and not (head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff")):
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls / len(head) > 0.10


def decode_bytes(data: bytes, *, source: str) -> str:
    """Decode with UTF-8 first, then the detected encoding; junk raises DecodeError."""
    if looks_binary(data):
        raise DecodeError("binary content, not a text document", source=source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise DecodeError("undecodable bytes: no text encoding fits", source=source) from None
        text = str(best)
    return clean_text(text)


def clean_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.translate(_SAME_LENGTH)
