"""Loading and scoring models: a stable import path (see DESIGN.md); the code lives in :mod:`fairdash.intake.models`."""

from fairdash.intake.models import (  # noqa: F401
    MODEL_SUFFIXES,
    ONNX_SUFFIXES,
    PICKLE_SUFFIXES,
    PICKLE_WARNING,
    SKOPS_SUFFIXES,
    ScoreMethod,
    ScoreModel,
    load_model,
    match_class,
    model_input,
    per_model,
    untrusted_types,
)

__all__ = ["PICKLE_SUFFIXES", "SKOPS_SUFFIXES", "ONNX_SUFFIXES", "MODEL_SUFFIXES", "PICKLE_WARNING", "ScoreMethod", "ScoreModel", "model_input", "per_model", "match_class", "load_model", "untrusted_types"]
