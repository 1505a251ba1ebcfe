"""Turn the things a user hands us (a path, bytes, an uploaded file) into a name and bytes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Union

from fairdash.errors import InvalidInputError

__all__ = ["Source", "read_source", "suffix_of"]

Source = Union[str, os.PathLike, bytes, bytearray, IO[bytes]]


def read_source(source: Source, name: str | None = None) -> tuple[str, bytes]:
    """Return ``(file name, content)``; the source itself is only read, never written."""
    if isinstance(source, (bytes, bytearray)):
        return name or "", bytes(source)
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidInputError(f"No file at {str(path)!r}. Check the path and try again.")
        return name or path.name, path.read_bytes()
    # A file-like object, such as Streamlit's UploadedFile (it has .name and .getvalue()).
    getvalue = getattr(source, "getvalue", None)
    content = getvalue() if callable(getvalue) else source.read()
    if isinstance(content, str):
        content = content.encode("utf-8")
    return name or getattr(source, "name", "") or "", bytes(content)


def suffix_of(name: str) -> str:
    """The lower-case extension of a file name, ignoring a trailing ``.gz``: ``"a.csv.gz"`` -> ``".csv"``."""
    parts = Path(name.lower()).suffixes
    if parts and parts[-1] == ".gz":
        parts = parts[:-1]
    return parts[-1] if parts else ""
