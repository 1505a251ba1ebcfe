"""What a value read from a table, a model or a user is: its plain Python form, its text, its number, and which of
several candidates a typed label names. The lowest rung of the package (above :mod:`fairdash.errors`): intake, the
audit and the command line all compare labels this one way."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

__all__ = ["plain_value", "value_text", "finite_number", "match_label"]


def plain_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def value_text(value: Any) -> str:
    # 1.0 read from a CSV with missing values should read "1", as the user typed it.
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def match_label(candidates: Sequence[Any], label: Any) -> Any | None:
    """The candidate equal to ``label``, else the one whose text is (``"1"`` finds ``1``, ``1.0`` finds ``"1"``),
    else the number equal to the number typed (``"1.0"`` finds ``1``); else None.

    Labels typed by a user (the command line, a JSON file) are text; the table's or model's may not be.
    Text candidates match only as text: ``"01"`` finds the number ``1`` but not the text ``"1"`` (a code).
    """
    for value in candidates:
        if value == label:
            return value
    for value in candidates:
        if value_text(value) == value_text(label) or str(value) == str(label):
            return value
    typed = finite_number(label)
    for value in candidates:
        if typed is not None and not isinstance(plain_value(value), str) and finite_number(value) == typed:
            return value
    for value in candidates:  # "true" typed for a boolean True
        if isinstance(value, (bool, np.bool_)) and str(label).strip().lower() == str(bool(value)).lower():
            return value
    return None


def finite_number(value: Any) -> int | float | None:
    """``value`` as a finite number, whether a number or text such as ``"1"``, ``" 1.0 "``, ``"1e0"``; else None.

    Booleans are not numbers here (``True`` matches ``"true"``, not ``"1"``); ints stay ints so that large
    ones compare exactly.
    """
    value = plain_value(value)
    if isinstance(value, str):
        text = value.strip()
        if "_" in text:  # Python reads "1_0" as 10; a user typing it means no number
            return None
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if isinstance(value, int) or math.isfinite(value) else None
