"""Check an export's destination before any work is done."""
from __future__ import annotations

import os
from pathlib import Path

from linkwatch.errors import ExportError


def _writable_dir(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def check_writable_file(path) -> Path:
    """The file can be created (or replaced); raises ExportError otherwise."""
    path = Path(path)
    if path.is_dir():
        raise ExportError(f"{path} is a directory; give a file name")
    if path.exists() and not os.access(path, os.W_OK):
        raise ExportError(f"cannot write {path}: permission denied")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise ExportError(f"cannot write {path}: folder {parent} does not exist")
    if not _writable_dir(parent):
        raise ExportError(f"cannot write {path}: folder {parent} is not writable")
    return path


def check_writable_dir(path) -> Path:
    """The folder exists and is writable, or can be created; raises ExportError otherwise."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ExportError(f"{path} is a file; the csv export needs a folder")
    if path.exists():
        if not _writable_dir(path):
            raise ExportError(f"cannot write into {path}: permission denied")
        return path
    parent = path.parent if str(path.parent) else Path(".")
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not _writable_dir(parent):
        raise ExportError(f"cannot create {path}: {parent} is not writable")
    return path
