"""Speed of the Fixes page on the Adult demo.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_fixes.py

1. Reweighing's refit (weights from counts, then the fit) against a plain fit of the same estimator on
   the same rows, median of 3. Goal: at most 1.2x (the weights are one pass over counts).
2. The whole comparison behind the page (fairdash.fixes.compare.compare_fixes), with the share of each method.
3. The Fixes page itself (server-side script time, headless AppTest): first visit and a rerun (cached).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from timing import median_seconds  # noqa: E402


def main() -> None:
    from sklearn.base import clone

    from fairdash.engine.demo import load_demo
    from fairdash.engine.groups import group_codes
    from fairdash.engine.spec import binary_target, sensitive_frame
    from fairdash.fixes.compare import compare_fixes, fit_reweighed

    demo = load_demo("adult")
    train, spec, estimator = demo.train, demo.spec, demo.model.estimator
    X, target = train[list(spec.features)], train[spec.target]
    y = binary_target(train, spec.target, spec.positive_label)
    groups = group_codes(sensitive_frame(train, spec.sensitive), spec.sensitive).per_row(train.index, name="group")

    plain = median_seconds(lambda: clone(estimator).fit(X, target))
    reweighed = median_seconds(lambda: fit_reweighed(estimator, X, target, y, groups))
    print(f"1. refit on {len(train):,} rows, median of 3")
    print(f"   plain fit          {plain:6.2f} s")
    print(f"   reweighing refit   {reweighed:6.2f} s   ratio {reweighed / plain:.2f}x (goal <= 1.2x)")

    marks: list[tuple[float, str]] = []
    start = time.perf_counter()
    fixes = compare_fixes(
        demo.data, spec, demo.model, train=train, progress=lambda done, text: marks.append((time.perf_counter(), text))
    )
    total = time.perf_counter() - start
    print(f"\n2. compare_fixes on the Adult demo ({len(demo.data):,} audited rows): {total:.1f} s")
    ends = [moment for moment, _ in marks[1:]] + [start + total]
    for (moment, text), end in zip(marks, ends):
        if text != "Done":
            print(f"   {end - moment:6.1f} s  {100 * (end - moment) / total:5.1f}%  {text}")
    print("   made: " + ", ".join(fix.title for fix in fixes if fix.error is None))

    from streamlit.testing.v1 import AppTest

    # A fresh process keeps no comparison: the page's first visit pays for it (the in-process cache of
    # section 2 is compare_fixes' own, not the page's store).
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=1800).run()
    at.switch_page("pages/fixes.py")
    first = median_seconds(lambda: at.run(), repeat=1)
    at.button(key="fixes_run_refits").click()
    refits = median_seconds(lambda: at.run(), repeat=1)
    again = median_seconds(lambda: at.run(), repeat=3)
    estimate = at.button(key="fixes_run_reductions").label
    at.button(key="fixes_run_reductions").click()
    with_reductions = median_seconds(lambda: at.run(), repeat=1)
    again_with = median_seconds(lambda: at.run(), repeat=3)
    assert not at.exception, at.exception
    print("\n3. the Fixes page on the Adult demo (AppTest, server side)")
    print(f"   first visit (original, thresholds; no refit)                   {first:6.1f} s")
    print(f"   refits asked (reweighing, unawareness)                         {refits:6.1f} s")
    print(f"   rerun, cached                                                  {again * 1e3:6.0f} ms")
    print(f"   the page's estimate: {estimate}")
    print(f"   reductions asked (3 bounds)                                    {with_reductions:6.1f} s")
    print(f"   rerun with reductions, cached                                  {again_with * 1e3:6.0f} ms")


if __name__ == "__main__":
    main()
