"""``python -m fairdash monitor``: fairness over time on a decision log, counted where it lies."""

from __future__ import annotations

import argparse
import math

from fairdash.engine.metrics import DEFAULT_TOLERANCE, check_tolerance
from fairdash.engine.spec import SMALL_GROUP_SIZE
from fairdash.engine.thresholds import check_threshold
from fairdash.cli.common import column_list, gate_exit, parse_condition, write_outputs

__all__ = ["HELP", "DESCRIPTION", "add_arguments", "run"]

HELP = "fairness over time on a decision log; exit 1 when a --fail-on condition holds in the latest window"
DESCRIPTION = "Counts the log where it lies (DuckDB, or Spark) and judges each window."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``monitor``."""
    parser.add_argument(
        "--data", required=True, metavar="LOG", help="a CSV or Parquet file, a folder of Parquet files, or duckdb:PATH:TABLE"
    )
    parser.add_argument("--time", required=True, metavar="COL", help="the column of dates or times")
    parser.add_argument(
        "--window", default="month", choices=["day", "week", "month", "quarter"], help="window length (default month)"
    )
    parser.add_argument("--target", required=True, metavar="COL", help="the true outcome (empty where not known yet)")
    parser.add_argument("--positive-label", default="1", metavar="V", help="the outcome value that is positive (default 1)")
    parser.add_argument("--sensitive", required=True, metavar="COL[,COL]", help="sensitive attribute(s), comma-separated")
    decided = parser.add_mutually_exclusive_group(required=True)
    decided.add_argument("--score", metavar="COL", help="the model's score (selected when score >= --threshold)")
    decided.add_argument("--decision", metavar="COL", help="the model's 0/1 decision")
    parser.add_argument(
        "--threshold", type=float, metavar="T", help="with --score: the threshold (default 0.5 for scores in [0, 1])"
    )
    parser.add_argument(
        "--engine", default="duckdb", choices=["duckdb", "spark"], help="where the rows are counted (default duckdb)"
    )
    parser.add_argument("--baseline", metavar="WINDOW", help="the start date of the window to compare with (default: the first)")
    parser.add_argument(
        "--tolerance",
        type=float,
        default=DEFAULT_TOLERANCE,
        metavar="D",
        help=f"differences up to D pass (default {DEFAULT_TOLERANCE})",
    )
    parser.add_argument(
        "--min-group-size",
        type=int,
        default=SMALL_GROUP_SIZE,
        metavar="N",
        help=f"leave groups under N rows in a window out of its disparities (default {SMALL_GROUP_SIZE})",
    )
    parser.add_argument("--json", metavar="OUT", help="write the windows and alerts as JSON")
    parser.add_argument("--report", metavar="OUT.html", help="write a self-contained HTML page with the charts")
    parser.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="EXPR",
        help="a condition on the latest window that fails the run, such as 'demographic_parity_ratio<0.8' (repeatable)",
    )
    parser.add_argument(
        "--fail-on-inconclusive",
        action="store_true",
        help="also fail (exit 1) when a headline disparity of the latest window has a 95%% interval that crosses "
        "its rule's bar (or is undefined); each is named on stderr",
    )


def run(args: argparse.Namespace) -> int:
    from fairdash.monitor.engines import MonitorSpec, count_log
    from fairdash.monitor.windows import monitor
    from fairdash.present.monitor_report import monitor_html, monitor_json, monitor_notes
    from fairdash.present.sentences import alert_text

    conditions = [parse_condition(text) for text in args.fail_on]
    check_tolerance(args.tolerance)
    if args.threshold is not None:
        check_threshold(args.threshold)
    sensitive = column_list(args.sensitive)
    spec = MonitorSpec(
        time=args.time,
        target=args.target,
        positive_label=args.positive_label,
        sensitive=sensitive,
        window=args.window,
        score=args.score,
        decision=args.decision,
    )
    result = monitor(
        count_log(args.data, spec, engine=args.engine, threshold=args.threshold),
        threshold=args.threshold,
        tolerance=args.tolerance,
        baseline=args.baseline,
        min_group_size=args.min_group_size,
    )
    print(
        f"fairdash monitor of {args.data}: {result.counts.rows:,} rows in {len(result.windows)} windows of a {args.window} "
        f"({args.engine}); threshold {result.threshold:g}; baseline {result.baseline.date()}"
    )
    print(f"{'window':12s} {'rows':>10s}  {'DP diff':>8s} {'DP ratio':>8s} {'EO diff':>8s}  note")
    for window in result.windows:
        values = [
            window.disparities[name]
            for name in ("demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference")
        ]
        note = "outcomes mostly not in yet" if window.pending else ""
        shown = " ".join("     n/a" if math.isnan(value) else f"{value:8.3f}" for value in values)  # undefined, not a number
        print(f"{str(window.start.date()):12s} {window.rows:10,d}  {shown}  {note}")
    for note in monitor_notes(result):
        print(f"note: {note}")
    for alert in result.alerts:
        print(f"alert ({alert['kind']}): {alert['window'].date()} {alert['disparity']}: {alert_text(alert['reason'])}")
    write_outputs(args, lambda: monitor_json(result), lambda: monitor_html(result))
    latest = result.windows[-1]
    return gate_exit(
        latest.result, conditions, where=f" (latest window, {latest.start.date()})", inconclusive=args.fail_on_inconclusive
    )
