"""Errors whose message is fit to show a user as it is.

The dashboard catches :class:`FairdashError` in one place and shows its message; any other
exception is a bug and must surface. Each subclass also inherits the built-in type it is, so
library users can catch ``ValueError`` as usual.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "FairdashError",
    "InvalidInputError",
    "NotGivenYetError",
    "TableTooLargeError",
    "ModelError",
    "UntrustedModelError",
    "brief",
]


class FairdashError(Exception):
    """Base class: something the user can fix, described in plain words."""


class InvalidInputError(FairdashError, ValueError):
    """A file, column or setting that cannot be audited as given."""


class NotGivenYetError(InvalidInputError):
    """Something the user has not given yet (no table uploaded, no model): the next step, not a mistake, so the dashboard
    shows it as a note rather than an error."""


class TableTooLargeError(InvalidInputError):
    """A table beyond what fairdash reads into memory (rows, columns or decompressed size). A scores-only
    audit of such a Parquet file can still be counted by an engine (``audit --engine duckdb``)."""


class ModelError(FairdashError, ValueError):
    """A model that cannot score the table (missing columns, wrong classes, failure to predict)."""


class UntrustedModelError(FairdashError, PermissionError):
    """Loading the model would run code from the file, and the user has not said they trust it.

    ``untrusted_types`` lists, for skops files, the types that would need trusting; it is empty
    for pickle files, where any code at all can run.
    """

    def __init__(self, message: str, untrusted_types: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.untrusted_types = tuple(untrusted_types)


def brief(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: a data value quoted in a message stays one short line."""
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
