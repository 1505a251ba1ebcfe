"""Speed of explanations on the Adult demo: our overhead over shap, and the Explain page's first view.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_explain.py

1. SHAP values for 2,000 rows of the Adult demo's model: fairdash.explain.shap_values against calling
   shap's TreeExplainer directly on the same rows (the pipeline's preprocessing included in both).
   Goal: within 1.2x (no overhead of ours).
2. The Explain page's global view (server-side script time, headless AppTest): first run (SHAP computed)
   and a rerun (cached).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def median_seconds(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    import shap

    from fairdash.demo import load_demo
    from fairdash.explain import shap_values

    demo = load_demo("adult")
    X = demo.data[list(demo.spec.features)].sample(2000, random_state=0)
    pipeline = demo.model.estimator

    def direct():
        return shap.TreeExplainer(pipeline[-1]).shap_values(pipeline[:-1].transform(X))

    def ours():
        return shap_values(demo.model, X, positive_label=">50K")

    ours(), direct()  # warm up
    ours_time, direct_time = median_seconds(ours, 5), median_seconds(direct, 5)
    print("1. SHAP values, 2,000 rows of the Adult demo (median of 5)")
    print(f"   fairdash.explain.shap_values {ours_time:6.2f} s   shap.TreeExplainer directly {direct_time:6.2f} s   "
          f"ratio {ours_time / direct_time:.2f}x (goal <= 1.2x)")

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    at.switch_page("pages/explain.py").run()
    at.select_slider(key="explain_rows").set_value(2000).run()
    start = time.perf_counter()
    at.toggle(key="explain_on").set_value(True).run()
    first = time.perf_counter() - start
    assert not at.exception
    cached = median_seconds(lambda: at.run(), 5)
    print("2. Explain page, global view for 2,000 rows (server-side script time)")
    print(f"   first time {first:6.2f} s   cached {cached:6.2f} s   ratio {first / cached:.0f}x")


if __name__ == "__main__":
    main()
