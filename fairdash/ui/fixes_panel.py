"""The Fixes page's inputs (the rows the refits train on, a second model) and its refits, which start on a button."""

from __future__ import annotations

from typing import Any, Callable

import pandas as pd
import streamlit as st

from fairdash.errors import FairdashError, UntrustedModelError
from fairdash.fixes.compare import refittable
from fairdash.intake.models import ScoreModel
from fairdash.ui import cache, choices, fixes_state, keys, uploads
from fairdash.ui.widgets import md, model_upload, show_error

__all__ = ["training_rows", "other_model_input", "refits"]


def training_rows(model: ScoreModel | None) -> tuple[pd.DataFrame | None, str | None, str | None]:
    """The rows the refits train on (a demo's own, or an uploaded training table) and their id; and why the model cannot
    be refitted here (``None`` when it can), said on the page."""
    train, train_id = None, None
    if choices.source() == keys.SOURCE_DEMO:
        train, train_id = cache.demo(choices.demo_key()).train, f"demo:{choices.demo_key()}"
        if train is not None:
            st.caption(f"Refits train on the demo's {len(train):,} training rows.")
    else:
        uploaded = st.file_uploader(
            "Training table (the rows the model was trained on; CSV or Parquet)",
            type=["csv", "parquet", "gz"],
            key=keys.TRAIN_UPLOADER,
            on_change=uploads.forget_removed_upload,
            args=("train",),
        )
        uploads.remember_upload("train", uploaded)
        kept = uploads.uploaded("train")
        if kept is not None:
            try:
                train, train_id = cache.uploaded_table(kept.file_id, kept.name, kept.content), kept.file_id
            except FairdashError as error:
                show_error(error)
    why_not = refittable(model)
    if why_not is None and train is None:
        why_not = "Reweighing, reductions and unawareness refit the model: add its training table to compare them."
    if why_not:
        st.info(f"{md(why_not)} The thresholds fix and another model need no refit.", icon=":material/info:")
    return train, train_id, why_not


def other_model_input() -> tuple[ScoreModel | None, str | None]:
    """A second model to compare (optional) and its id, with the trust it needs; ``(None, None)`` without one."""
    try:
        return model_upload(
            "Another model to compare (optional: .skops or .onnx; .pkl or .joblib only if you trust it)",
            "other_model",
            trust_pickle_key=keys.TRUST_OTHER_PICKLE,
            trust_skops_key=keys.TRUST_OTHER_SKOPS,
        )
    except UntrustedModelError as refusal:
        if not refusal.untrusted_types:  # a pickle not yet trusted (skops types were listed to tick)
            st.warning(md(refusal), icon=":material/warning:")
    except FairdashError as error:
        show_error(error)
    return None, None


def refits(compare: Callable[..., Any], names: tuple[str, ...], label: str) -> list | None:
    """The refits of ``names`` made already, or made now when the button was pressed (with a progress bar); else a button
    and ``None``. ``compare(methods=..., start=...)`` is :func:`fairdash.ui.cache.fixes` with the page's settings."""
    made = compare(methods=names, start=False)
    if made is None and fixes_state.take_refit_request(names):  # the button's callback ran before this run
        made = compare(methods=names)
    if made is None:
        st.button(
            label,
            key=keys.FIXES_RUN_REDUCTIONS if "reductions" in names else keys.FIXES_RUN_REFITS,
            icon=":material/model_training:",
            on_click=fixes_state.ask_refits,
            args=(names,),
        )
    return None if made is None else made[1:]
