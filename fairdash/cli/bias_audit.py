"""``python -m fairdash bias-audit``: New York City Local Law 144's tables (selection or scoring rates and impact ratios by
attribute and by the intersection of two), printed and written as JSON and HTML. No pass or fail: exit 0 once written."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from fairdash.cli.common import EXIT_PASS, column_list, one_line, write_outputs

__all__ = ["DESCRIPTION", "EPILOG", "HELP", "add_arguments", "run"]

HELP = "NYC Local Law 144 tables: selection or scoring rates and impact ratios by attribute and their intersection"
DESCRIPTION = (
    "For each sensitive attribute and the intersection of two: each category's applicants, rate (--decision: the selection "
    "rate; --score: the scoring rate, the share scored above the median score of all rows) and impact ratio (its rate over "
    "the highest rate of the categories not excluded). A category under 2%% of all rows is shown but excluded from the impact "
    "ratios; rows of unknown category are counted apart. The law sets no pass mark, and neither does this command."
)
EPILOG = """examples:
  python -m fairdash bias-audit --data applicants.csv --sensitive sex,race --score score --json ll144.json --report ll144.html
  python -m fairdash bias-audit --data applicants.csv --sensitive sex,race --decision advanced"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``bias-audit``."""
    parser.add_argument("--data", required=True, metavar="FILE", help="the applicants: CSV or Parquet, one row each")
    parser.add_argument(
        "--sensitive",
        required=True,
        metavar="COL[,COL]",
        help="one or two attributes (e.g. sex,race); with two, their intersection too",
    )
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--score", metavar="COL", help="the tool's score: scoring rates (above the median score of all rows)")
    kind.add_argument("--decision", metavar="COL", help="the tool's decision, 1 selected and 0 not: selection rates")
    parser.add_argument("--json", metavar="OUT", help="write the tables as JSON (e.g. ll144.json)")
    parser.add_argument("--report", metavar="OUT.html", help="write the tables as a self-contained HTML page (e.g. ll144.html)")


def run(args: argparse.Namespace) -> int:
    from fairdash.engine.ll144 import bias_audit_tables
    from fairdash.intake.tables import read_table
    from fairdash.present.bias_audit import (
        bias_audit_frame,
        bias_audit_html,
        bias_audit_json,
        bias_audit_notes,
    )

    table = read_table(args.data)
    result = bias_audit_tables(table, column_list(args.sensitive), score=args.score, decision=args.decision)
    name = Path(args.data).name
    print(f"NYC Local Law 144 {result.kind} rates of {one_line(name)}: {result.rows:,} rows")
    with pd.option_context("display.width", 160, "display.max_rows", 500):
        for attribute in result.tables:
            print(f"\nby {one_line(attribute)}:")
            frame = bias_audit_frame(result, attribute)
            frame.index = frame.index.map(one_line)
            print(frame.to_string())
    print()
    for note in bias_audit_notes(result):
        print(one_line(note))
    write_outputs(
        args,
        lambda: bias_audit_json(result),
        lambda: bias_audit_html(result, title=f"NYC Local Law 144 tables: {name}", made_by="fairdash bias-audit"),
    )
    return EXIT_PASS
