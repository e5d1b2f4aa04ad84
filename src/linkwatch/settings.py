"""The only reader of LINKWATCH_* environment variables."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip().isdigit() else default


@dataclass(frozen=True)
class Settings:
    db_url: str = field(default_factory=lambda: os.environ.get("LINKWATCH_DB", "sqlite:///linkwatch.db"))
    max_document_bytes: int = field(default_factory=lambda: _int("LINKWATCH_MAX_BYTES", 20 * 1024 * 1024))
    max_text_chars: int = field(default_factory=lambda: _int("LINKWATCH_MAX_CHARS", 2_000_000))
    sources_config: Path | None = field(
        default_factory=lambda: Path(p) if (p := os.environ.get("LINKWATCH_SOURCES")) else None)
    log_level: str = field(default_factory=lambda: os.environ.get("LINKWATCH_LOG", "WARNING"))


def get_settings() -> Settings:
    return Settings()


def normalize_db_url(url: str) -> str:
    """Accept a bare file path for SQLite as well as a SQLAlchemy URL."""
    if "://" in url:
        if url.startswith("postgresql://"):
            return "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{url}"
