"""What comes in: a table a user brings (:mod:`~fairdash.intake.tables`), a model (:mod:`~fairdash.intake.models`,
ONNX graphs in :mod:`~fairdash.intake.onnx_models`, read from a path or an upload by :mod:`~fairdash.intake.sources`),
and what a value is (:mod:`~fairdash.intake.values`: its text, its number, which label a user's text names). Nothing
here knows an audit: the demos and the first guess at a table's roles carry a spec, so they live in :mod:`fairdash.engine`.

Its ``__all__`` is what the rest of the package imports from it (each from the module that defines it)."""

from fairdash.intake.json_files import (  # noqa: F401
    read_json_file,
)
from fairdash.intake.models import (  # noqa: F401
    MODEL_SUFFIXES,
    PICKLE_SUFFIXES,
    PICKLE_WARNING,
    ScoreModel,
    load_model,
    match_class,
    model_input,
    per_model,
)
from fairdash.intake.sources import (  # noqa: F401
    suffix_of,
)
from fairdash.intake.tables import (  # noqa: F401
    read_table,
)
from fairdash.intake.values import (  # noqa: F401
    finite_number,
    match_label,
    plain_value,
    value_text,
)

__all__ = [
    "MODEL_SUFFIXES",
    "PICKLE_SUFFIXES",
    "PICKLE_WARNING",
    "ScoreModel",
    "finite_number",
    "load_model",
    "match_class",
    "match_label",
    "model_input",
    "per_model",
    "plain_value",
    "read_json_file",
    "read_table",
    "suffix_of",
    "value_text",
]
