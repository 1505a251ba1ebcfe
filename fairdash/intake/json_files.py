"""A JSON file a command line option names (``--thresholds``, ``--reference-shares``), read with plain messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fairdash.errors import InvalidInputError, brief

__all__ = ["read_json_file"]


def read_json_file(path: str | Path, *, option: str) -> Any:
    """The JSON document in ``path`` (UTF-8, a byte-order mark allowed); raises :class:`InvalidInputError` naming
    ``option`` (e.g. ``"--thresholds"``) when it cannot be read, is not UTF-8 or is not JSON."""
    shown = brief(str(path))
    try:
        return json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except OSError as error:
        raise InvalidInputError(f"{option} {shown} cannot be read ({error.strerror or error}).") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{option} {shown} is not UTF-8 text; save it as UTF-8 JSON.") from None
    except (json.JSONDecodeError, RecursionError) as error:
        raise InvalidInputError(f"{option} {shown} is not valid JSON ({getattr(error, 'msg', 'too deeply nested')}).") from None
