"""One exception tree for linkwatch.

    LinkwatchError                 every error the library raises on purpose
    ├── InputError                 a document cannot be read (names file, line, reason)
    │   ├── UnsupportedFormat      no reader for this kind of file
    │   ├── DecodeError            bytes that are not text in any detected encoding
    │   ├── EmptyDocument          nothing left after reading / main-text extraction
    │   └── TooLarge               over the size limit (settings.max_document_bytes)
    ├── ExtractionError            the NLP pipeline failed on one document
    ├── StoreError                 the database cannot be reached, written or migrated
    ├── ResolutionError            an identity judgement cannot be applied
    ├── LookupFailed               an entity name matches nothing (carries suggestions)
    │   └── Ambiguous              a name matches several entities (carries candidates)
    └── ExportError                an export cannot be written

Each error carries a short code (``E_DECODE`` ...) so scripts can tell them apart.
"""
from __future__ import annotations


class LinkwatchError(Exception):
    code = "E_LINKWATCH"

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.source = source
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.source:
            where = f"{self.source}" + (f":{self.line}" if self.line else "") + ": "
        return f"{where}{self.message} [{self.code}]"


class InputError(LinkwatchError):
    code = "E_INPUT"


class UnsupportedFormat(InputError):
    code = "E_FORMAT"


class DecodeError(InputError):
    code = "E_DECODE"


class EmptyDocument(InputError):
    code = "E_EMPTY"


class TooLarge(InputError):
    code = "E_TOO_LARGE"


class ExtractionError(LinkwatchError):
    code = "E_EXTRACT"


class StoreError(LinkwatchError):
    code = "E_STORE"


class ResolutionError(LinkwatchError):
    code = "E_RESOLVE"


class LookupFailed(LinkwatchError):
    code = "E_NOT_FOUND"

    def __init__(self, message: str, *, suggestions: list[str] | None = None) -> None:
        self.suggestions = list(suggestions or [])
        super().__init__(message)


class Ambiguous(LookupFailed):
    code = "E_AMBIGUOUS"


class ExportError(LinkwatchError):
    code = "E_EXPORT"
