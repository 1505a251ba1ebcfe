"""``python -m fairdash fixes``: every fix trained and judged on the same held-out rows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from fairdash.engine.metrics import DEFAULT_TOLERANCE, check_tolerance
from fairdash.engine.spec import SMALL_GROUP_SIZE, AuditSpec
from fairdash.engine.thresholds import check_threshold
from fairdash.cli.common import (
    EXIT_PASS,
    bins_option,
    column_list,
    model_features,
    positive_label,
    trusted_types_for,
    write_outputs,
)
from fairdash.errors import InvalidInputError
from fairdash.intake.models import ScoreModel, load_model
from fairdash.intake.tables import read_table

__all__ = ["HELP", "DESCRIPTION", "add_arguments", "run"]

HELP = "compare fixes (thresholds, reweighing, reductions, unawareness, another model)"
DESCRIPTION = "Train and judge every fix on the same held-out rows (--data); the refits train on --train."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``fixes``."""
    parser.add_argument(
        "--data", required=True, metavar="AUDIT", help="the held-out table the fixes are judged on (CSV or Parquet)"
    )
    parser.add_argument("--train", metavar="TRAIN", help="the table the model was trained on, for the fixes that refit it")
    parser.add_argument("--target", required=True, metavar="COL", help="the column of true outcomes")
    parser.add_argument(
        "--positive-label", metavar="V", help="the target value that is the positive class (default: 1, or the rarer value)"
    )
    parser.add_argument("--sensitive", required=True, metavar="COL[,COL]", help="sensitive attribute(s), comma-separated")
    parser.add_argument(
        "--model",
        required=True,
        metavar="FILE",
        help="the model: .skops (or .pkl/.joblib with --trust-pickle); .onnx cannot be refitted",
    )
    parser.add_argument(
        "--trust-pickle", action="store_true", help="allow loading .pkl/.joblib models (they run code from the file)"
    )
    parser.add_argument(
        "--trust-type", action="append", default=[], metavar="TYPE", help="a type in a .skops file to trust (repeatable)"
    )
    parser.add_argument(
        "--features", metavar="COL[,COL]", help="the columns the model takes (default: the model's own feature names)"
    )
    parser.add_argument("--bins", action="append", default=[], metavar="COL=EDGES", help="bands of a numeric sensitive attribute")
    parser.add_argument(
        "--constraint",
        default="demographic_parity",
        choices=["demographic_parity", "equalized_odds", "equal_opportunity"],
        help="what the thresholds and reductions aim for (default demographic_parity)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        metavar="T",
        help="where the original and the refits decide (default: the model's own boundary)",
    )
    parser.add_argument(
        "--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="D", help="the disparity the thresholds fix aims under"
    )
    parser.add_argument(
        "--min-group-size",
        type=int,
        default=SMALL_GROUP_SIZE,
        metavar="N",
        help=f"leave groups under N rows out of each fix's disparities, as the audit does (default {SMALL_GROUP_SIZE}; 0 keeps all)",
    )
    parser.add_argument(
        "--other-model", metavar="FILE", help="a second model to compare on the same rows (same formats and trust)"
    )
    parser.add_argument("--json", metavar="OUT", help="write the comparison as JSON")
    parser.add_argument("--report", metavar="OUT.html", help="write the comparison as a self-contained HTML page")


def _models(args: argparse.Namespace) -> tuple[ScoreModel, ScoreModel | None]:
    """The model of --model and, with --other-model, the second one, read with the same trust."""
    model = load_model(args.model, trust_pickle=args.trust_pickle, trusted_types=trusted_types_for(args.model, args.trust_type))
    other = (
        load_model(
            args.other_model, trust_pickle=args.trust_pickle, trusted_types=trusted_types_for(args.other_model, args.trust_type)
        )
        if args.other_model
        else None
    )
    return model, other


def _print_progress(fraction: float, text: str) -> None:
    """The comparison's progress on stderr."""
    print(f"[{fraction:4.0%}] {text}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from fairdash.fixes.compare import CONSTRAINT_DISPARITY, compare_fixes
    from fairdash.present.fixes_report import IN_SAMPLE_NOTE, fixes_html, fixes_json, fixes_table, unmet_message

    check_tolerance(args.tolerance)
    if args.threshold is not None:
        check_threshold(args.threshold)
    if args.min_group_size < 0:
        raise InvalidInputError(f"--min-group-size must be 0 or more; got {args.min_group_size}.")
    table = read_table(args.data)
    train = read_table(args.train) if args.train else None
    positive = positive_label(table, args.target, args.positive_label)
    model, other = _models(args)
    features = model_features(args, model, table)
    sensitive = column_list(args.sensitive)
    spec = AuditSpec(
        target=args.target, positive_label=positive, sensitive=sensitive, features=features, bins=bins_option(args.bins)
    )

    fixes = compare_fixes(
        table,
        spec,
        model,
        train=train,
        constraint=args.constraint,
        threshold=args.threshold,
        tolerance=args.tolerance,
        other_model=other,
        min_group_size=args.min_group_size,
        progress=_print_progress,
    )
    disparity = CONSTRAINT_DISPARITY[args.constraint]
    with pd.option_context(
        "display.width", 200, "display.max_columns", 30, "display.max_colwidth", 60, "display.float_format", "{:.3f}".format
    ):
        print(f"fairdash fixes of {Path(args.data).name}: {len(table):,} rows; constraint {args.constraint}")
        print(fixes_table(fixes, disparity).to_string())
    if any(fix.in_sample for fix in fixes):
        print(f"note: {IN_SAMPLE_NOTE}", file=sys.stderr)
    unmet = unmet_message(fixes, args.constraint, args.tolerance)
    if unmet:
        print(f"warning: {unmet}", file=sys.stderr)
    write_outputs(
        args,
        lambda: fixes_json(
            fixes,
            constraint=args.constraint,
            data_name=Path(args.data).name,
            train_name=Path(args.train).name if args.train else None,
        ),
        lambda: fixes_html(fixes, constraint=args.constraint, data_name=Path(args.data).name),
    )
    return EXIT_PASS
