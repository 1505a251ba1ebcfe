"""The audit from the command line, for release pipelines.

    python -m fairdash audit --data test.csv --target income --sensitive sex,race --model model.skops \\
        --positive-label '>50K' --fail-on 'demographic_parity_ratio<0.8' --json audit.json --report audit.html
    python -m fairdash demo adult --out adult.csv

Exit codes: 0 the audit ran and no ``--fail-on`` condition holds; 1 a condition holds (each one that
does is named); 2 bad input, with a one-line reason and no traceback.
"""

from __future__ import annotations

import argparse
import json
import operator
import re
import sys
from pathlib import Path
from typing import Sequence

import pandas as pd

from fairdash.data import SMALL_GROUP_SIZE, AuditSpec, default_positive_label, read_table, resolve_label
from fairdash.demo import DEMO_TITLES, load_demo
from fairdash.errors import FairdashError, InvalidInputError
from fairdash.metrics import DEFAULT_TOLERANCE, DISPARITY_NAMES
from fairdash.models import load_model

EXIT_PASS, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2
_OPERATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
_CONDITION = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")

_EPILOG = """examples:
  python -m fairdash audit --data scored.csv --target reoffended --sensitive race --score risk_score \\
      --threshold 5 --fail-on 'demographic_parity_ratio<0.8'
  python -m fairdash audit --data test.parquet --target income --positive-label '>50K' --sensitive sex,race \\
      --model model.skops --thresholds fairdash-thresholds.json --json audit.json --report audit.html \\
      --fail-on 'equalized_odds_difference>0.1' --fail-on 'demographic_parity_ratio<0.8'
  python -m fairdash demo compas --out compas.csv

--fail-on names: """ + ", ".join(DISPARITY_NAMES)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m fairdash", description="Fairness audits of binary classifiers.", epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    audit = commands.add_parser("audit", help="audit a model or a score column; exit 1 when a --fail-on condition holds",
                                epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    audit.add_argument("--data", required=True, metavar="FILE", help="the table to audit: CSV or Parquet (e.g. test.csv)")
    audit.add_argument("--target", required=True, metavar="COL", help="the column of true outcomes (e.g. income)")
    audit.add_argument("--sensitive", required=True, metavar="COL[,COL]",
                       help="sensitive attribute(s); several, comma-separated, make intersectional groups (e.g. sex,race)")
    source = audit.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="FILE", help="a .skops or .onnx model (or .pkl/.joblib with --trust-pickle) that scores the table")
    source.add_argument("--score", metavar="COL", help="a column of scores or 0/1 predictions already in the table (e.g. decile_score)")
    audit.add_argument("--trust-pickle", action="store_true",
                       help="allow loading a .pkl/.joblib model: this runs code from the file, so only for files you trust")
    audit.add_argument("--trust-type", action="append", default=[], metavar="TYPE",
                       help="a type in a .skops file to trust beyond skops' defaults (repeatable; the error lists them)")
    audit.add_argument("--positive-label", metavar="V", help="the target value that is the positive class (default: 1, or the rarer value)")
    audit.add_argument("--reference", metavar="GROUP", help="the reference group (default: the largest)")
    audit.add_argument("--features", metavar="COL[,COL]", help="the columns the model takes (default: the model's own feature names)")
    thresholds = audit.add_mutually_exclusive_group()
    thresholds.add_argument("--threshold", type=float, metavar="T", help="selected when score >= T (default: 0.5 for probabilities)")
    thresholds.add_argument("--thresholds", metavar="FILE.json",
                            help="per-group thresholds: the JSON the dashboard downloads, or {\"group\": T, ...}")
    audit.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="D",
                       help=f"differences up to D pass in the printed verdicts (default {DEFAULT_TOLERANCE})")
    audit.add_argument("--min-group-size", type=int, default=SMALL_GROUP_SIZE, metavar="N",
                       help=f"leave groups under N rows out of the disparities, as the dashboard does (default {SMALL_GROUP_SIZE}; 0 keeps all)")
    audit.add_argument("--json", metavar="OUT", help="write the audit as JSON (e.g. audit.json)")
    audit.add_argument("--report", metavar="OUT.html", help="write the self-contained HTML report (e.g. audit.html)")
    audit.add_argument("--fail-on", action="append", default=[], metavar="EXPR",
                       help="a condition that fails the audit, such as 'demographic_parity_ratio<0.8' (repeatable)")
    demo = commands.add_parser("demo", help="write a built-in demo's data to a file")
    demo.add_argument("name", choices=list(DEMO_TITLES), help="which demo")
    demo.add_argument("--out", required=True, metavar="FILE", help="where to write it (.csv or .parquet)")
    return parser


def parse_condition(text: str) -> tuple[str, str, float]:
    """``"demographic_parity_ratio<0.8"`` -> ``("demographic_parity_ratio", "<", 0.8)``; raises on anything else."""
    match = _CONDITION.match(text)
    if not match:
        raise InvalidInputError(f"--fail-on {text!r} is not NAME<VALUE (or <=, >, >=), e.g. 'demographic_parity_ratio<0.8'.")
    name, symbol, value = match.groups()
    if name not in DISPARITY_NAMES:
        raise InvalidInputError(f"--fail-on {text!r}: unknown name {name!r}; use one of {', '.join(DISPARITY_NAMES)}.")
    return name, symbol, float(value)


def _thresholds_from_file(path: str) -> float | dict[str, float]:
    try:
        content = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise InvalidInputError(f"--thresholds {path!r} is not a readable JSON file ({error}).") from None
    value = content.get("thresholds", content) if isinstance(content, dict) else content
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict) and all(isinstance(v, (int, float)) for v in value.values()):
        return {str(k): float(v) for k, v in value.items()}
    raise InvalidInputError(f"--thresholds {path!r} must hold a number or {{group: number}} (or the dashboard's download).")


def _audit(args: argparse.Namespace) -> int:
    from fairdash.report import audit_html, audit_json, run_audit

    conditions = [parse_condition(text) for text in args.fail_on]  # check before the slow part
    table = read_table(args.data)
    sensitive = tuple(column.strip() for column in args.sensitive.split(",") if column.strip())
    if args.target not in table.columns:
        raise InvalidInputError(f"The table has no target column {args.target!r}; its columns are {', '.join(map(str, table.columns))}.")
    positive = _positive_label(table[args.target], args.positive_label)
    model = load_model(args.model, trust_pickle=args.trust_pickle, trusted_types=args.trust_type) if args.model else None
    features = tuple(c.strip() for c in args.features.split(",")) if args.features else (model.feature_names or () if model else ())
    if model is not None and not features:
        features = tuple(c for c in table.columns if c != args.target)
    spec = AuditSpec(target=args.target, positive_label=positive, sensitive=sensitive, reference=args.reference,
                     score=args.score, features=features)
    thresholds = _thresholds_from_file(args.thresholds) if args.thresholds else args.threshold
    audit = run_audit(table, spec, model, thresholds=thresholds, tolerance=args.tolerance,
                      min_group_size=args.min_group_size, data_name=Path(args.data).name)

    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        print(f"fairdash audit of {audit.data_name}: {audit.summary.rows:,} rows; target {spec.target} = {positive}; "
              f"groups of {' x '.join(sensitive)}; thresholds {audit.thresholds}")
        for warning in audit.summary.warnings:
            print(f"warning: {warning}")
        print()
        print(audit.table[["count", "base_rate", "selection_rate", "tpr", "fpr", "precision", "accuracy"]].to_string())
        print()
        if audit.groups_left_out:
            print(f"left out of the disparities (under {args.min_group_size} rows): {', '.join(audit.groups_left_out)}")
        print(f"{'disparity':32s} {'value':>8s}  {'95% interval':13s}  verdict")
        for name, row in audit.findings.iterrows():
            verdict = {True: "pass", False: "FAIL", None: "n/a"}[row["passed"]]
            low, high = audit.intervals.disparities.loc[name, ["lower", "upper"]]
            print(f"{name:32s} {row['value']:8.3f}  {low:.3f} - {high:.3f}  {verdict:4s} ({row['rule']})")
    if args.json:
        Path(args.json).write_text(json.dumps(audit_json(audit), indent=2, default=str))
        print(f"\nwrote {args.json}")
    if args.report:
        Path(args.report).write_text(audit_html(audit), encoding="utf-8")
        print(f"wrote {args.report}")

    failed = [(name, symbol, limit) for name, symbol, limit in conditions
              if audit.disparities[name] == audit.disparities[name] and _OPERATORS[symbol](audit.disparities[name], limit)]
    for name, symbol, limit in failed:
        print(f"FAILED: {name} = {audit.disparities[name]:.4f}, which is {symbol} {limit:g}", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_PASS


def _positive_label(target: pd.Series, given: str | None):
    return resolve_label(target, given) if given is not None else default_positive_label(target)


def _demo(args: argparse.Namespace) -> int:
    data = load_demo(args.name).data
    out = Path(args.out)
    if out.suffix.lower() in (".parquet", ".pq"):
        data.to_parquet(out, index=False)
    else:
        data.to_csv(out, index=False)
    print(f"wrote {len(data):,} rows of the {args.name} demo to {out}")
    return EXIT_PASS


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return _audit(args) if args.command == "audit" else _demo(args)
    except FairdashError as error:
        print(f"fairdash: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:  # an output path that cannot be written
        print(f"fairdash: error: {error.strerror or error}: {error.filename or ''}", file=sys.stderr)
        return EXIT_BAD_INPUT
