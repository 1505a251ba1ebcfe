"""``python -m fairdash counterfactuals``: what would change the model's decision for one row."""

from __future__ import annotations

import argparse
from typing import Any

from fairdash.engine.spec import AuditSpec
from fairdash.engine.thresholds import check_threshold, thresholds_per_row
from fairdash.cli.common import EXIT_PASS, column_list, model_features, positive_label, trusted_types_for, write_outputs
from fairdash.errors import InvalidInputError, brief
from fairdash.intake.models import load_model
from fairdash.intake.tables import read_table

__all__ = ["HELP", "EPILOG", "add_arguments", "run", "parse_ranges"]

HELP = "counterfactuals of one row: the changes that flip the model's decision, nearest first"
EPILOG = """example:
  python -m fairdash counterfactuals --data adult.csv --model model.skops --target income --positive-label '>50K' \\
      --sensitive sex,race --row 17 --n 3 --immutable native_country --increase age --range hours_per_week=20,60 --json cf.json

The sensitive attributes never change. Distance: L1 over the features, a numeric change counted in units of its median
absolute deviation over the data, a changed category as 1 (DiCE's default)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``counterfactuals``."""
    parser.add_argument(
        "--data", required=True, metavar="FILE", help="the table: CSV or Parquet (scales and categories are read from it)"
    )
    parser.add_argument(
        "--model", required=True, metavar="FILE", help="a .skops or .onnx model (or .pkl/.joblib with --trust-pickle)"
    )
    parser.add_argument(
        "--trust-pickle", action="store_true", help="allow loading a .pkl/.joblib model (runs code from the file)"
    )
    parser.add_argument(
        "--trust-type", action="append", default=[], metavar="TYPE", help="a type in a .skops file to trust (repeatable)"
    )
    parser.add_argument("--target", required=True, metavar="COL", help="the column of true outcomes")
    parser.add_argument("--positive-label", metavar="V", help="the target value that is the positive class")
    parser.add_argument("--sensitive", required=True, metavar="COL[,COL]", help="sensitive attribute(s): never changed")
    parser.add_argument(
        "--features", metavar="COL[,COL]", help="the columns the model takes (default: the model's own feature names)"
    )
    parser.add_argument("--row", required=True, metavar="INDEX", help="the row to explain: its position in the table, from 0")
    parser.add_argument("--n", type=int, default=3, metavar="N", help="how many counterfactuals, 1 to 10 (default 3)")
    parser.add_argument("--immutable", default="", metavar="COL[,COL]", help="more features to hold fixed")
    parser.add_argument("--increase", default="", metavar="COL[,COL]", help="numeric features that may only increase (an age)")
    parser.add_argument("--decrease", default="", metavar="COL[,COL]", help="numeric features that may only decrease")
    parser.add_argument(
        "--range",
        action="append",
        default=[],
        metavar="COL=LOW,HIGH",
        help="the values a numeric feature may take (repeatable; default: the range seen in the data)",
    )
    parser.add_argument("--threshold", type=float, metavar="T", help="selected when score >= T (default: 0.5 for probabilities)")
    parser.add_argument("--json", metavar="OUT", help="write the counterfactuals as JSON")


def parse_ranges(entries: list[str]) -> dict[str, tuple[float, float]]:
    """``["age=18,70"]`` -> ``{"age": (18.0, 70.0)}``; raises :class:`InvalidInputError` on anything else."""
    ranges: dict[str, tuple[float, float]] = {}
    for entry in entries:
        column, equals, bounds = entry.partition("=")
        parts = bounds.split(",")
        try:
            low, high = (float(part) for part in parts) if len(parts) == 2 else (None, None)
        except ValueError:
            low = high = None
        if not equals or not column.strip() or low is None or high is None:
            raise InvalidInputError(f"--range {brief(entry)} is not COLUMN=LOW,HIGH, e.g. age=18,70.")
        ranges[column.strip()] = (low, high)
    return ranges


def _row_label(text: str, index: Any) -> Any:
    """The row the user named: a position in the table (its index labels are positions once read)."""
    try:
        row = int(text)
    except ValueError:
        raise InvalidInputError(
            f"--row {brief(text)} is not a whole number; give the row's position in the table, from 0."
        ) from None
    if row not in index:
        raise InvalidInputError(f"There is no row {row} in the table; its {len(index):,} rows are 0 to {len(index) - 1}.")
    return row


def run(args: argparse.Namespace) -> int:
    """Print the row's counterfactuals (and write ``--json``); 0, or 2 on bad input (raised, told in one line)."""
    from fairdash.engine.inputs import prepare_audit
    from fairdash.explain.counterfactuals import directions_of, find_counterfactuals, search_space
    from fairdash.present.recourse import counterfactuals_json

    if args.threshold is not None:
        check_threshold(args.threshold)
    ranges = parse_ranges(args.range)
    directions = directions_of(column_list(args.increase), column_list(args.decrease))  # refused before the data is read
    table = read_table(args.data)
    row = _row_label(args.row, table.index)
    positive = positive_label(table, args.target, args.positive_label)
    model = load_model(args.model, trust_pickle=args.trust_pickle, trusted_types=trusted_types_for(args.model, args.trust_type))
    features = model_features(args, model, table)
    spec = AuditSpec(target=args.target, positive_label=positive, sensitive=column_list(args.sensitive), features=features)
    inputs = prepare_audit(table, spec, model)
    threshold = args.threshold if args.threshold is not None else inputs.default_threshold
    X = table[list(features)]
    held = [column for column in spec.sensitive if column in X.columns] + list(column_list(args.immutable))
    space = search_space(X, immutable=held, directions=directions, ranges=ranges)
    per_row = thresholds_per_row(inputs.groups, threshold)
    result = find_counterfactuals(
        model,
        X,
        row,
        threshold=float(threshold),
        positive_label=inputs.model_label,
        space=space,
        n=args.n,
        scores=inputs.scores,
        selected=inputs.scores >= per_row,
    )
    _print(result)
    args.report = None  # write_outputs writes --json and --report; this command has no report
    write_outputs(args, lambda: counterfactuals_json(result), lambda: "")
    return EXIT_PASS


def _change_text(changes: dict[str, tuple[Any, Any]]) -> str:
    return "; ".join(f"{column}: {before!r} -> {after!r}" for column, (before, after) in changes.items())


def _print(result) -> None:
    print(
        f"row {result.row}: score {result.score:.4f} against threshold {result.threshold:g}: "
        f"{'selected' if result.selected else 'not selected'}. Held: {', '.join(result.held) or 'nothing'}."
    )
    print(f"distance: {result.distance}")
    if not result.found:
        print(f"no counterfactual: {result.reason}")
    for number, found in enumerate(result.found, 1):
        print(
            f"{number}. distance {found.distance:.3f}, score {found.score:.4f} ({result.wanted}): {_change_text(found.changes)}"
        )
    if result.nearest is not None:
        nearest = result.nearest
        which = "" if nearest.same_held else " (none shares the held features; the nearest of all)"
        print(
            f"nearest real row with the other decision{which}: row {nearest.row}, distance {nearest.distance:.3f}, "
            f"score {nearest.score:.4f}: {_change_text(nearest.changes)}"
        )
    print(f"{result.evaluated:,} changed rows scored")
