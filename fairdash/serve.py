"""``python -m fairdash.serve streamlit run APP [OPTIONS]``: Streamlit's own command line, after :func:`fairdash.launch.warm`.

The heavy modules (pandas, plotly, scikit-learn, shap, the Adult demo) are imported in the server's process before it
accepts visitors, so the first visit is as quick as the next ones. What follows ``streamlit`` is passed to Streamlit
unchanged, as ``python -m streamlit`` would receive it.
"""

from __future__ import annotations

import runpy
import sys
from typing import Sequence

from fairdash.launch import warm

__all__ = ["main"]


def main(argv: Sequence[str]) -> None:
    """Warm, then run Streamlit's command line on ``argv`` (which starts with ``streamlit``)."""
    if not argv or argv[0] != "streamlit":
        raise SystemExit("usage: python -m fairdash.serve streamlit run APP [OPTIONS]")
    warm()
    sys.argv = list(argv)
    runpy.run_module("streamlit", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
