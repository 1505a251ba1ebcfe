"""The audit from the command line, for release pipelines.

    python -m fairdash audit --data test.csv --target income --sensitive sex,race --model model.skops \\
        --positive-label '>50K' --fail-on 'demographic_parity_ratio<0.8' --json audit.json --report audit.html
    python -m fairdash demo adult --out adult.csv

Exit codes: 0 the audit ran and no ``--fail-on`` condition holds; 1 a condition holds (each one that
does is named on stderr; a condition on an undefined disparity holds too: the gate fails closed, with
the reason); 2 bad input, with a one-line reason and no traceback; 3 an internal error (a bug in
fairdash, never read as "unfair").
"""

from __future__ import annotations

import argparse
import json
import math
import operator
import re
import shlex
import sys
import traceback
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from fairdash.audit.metrics import DEFAULT_TOLERANCE, DISPARITY_NAMES, check_tolerance, undefined_reason
from fairdash.audit.result import AuditResult
from fairdash.audit.spec import (
    BIN_ABOVE,
    SMALL_GROUP_SIZE,
    AuditSpec,
    band_labels,
    default_positive_label,
    parse_bins,
    resolve_label,
)
from fairdash.audit.thresholds import check_threshold
from fairdash.errors import FairdashError, InvalidInputError, TableTooLargeError, brief
from fairdash.intake.demo import DEMO_TITLES, load_demo
from fairdash.intake.models import load_model
from fairdash.intake.tables import read_table

EXIT_PASS, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
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
    """The parser of ``python -m fairdash``: one subcommand each for ``audit``, ``fixes``, ``monitor`` and ``demo``."""
    parser = argparse.ArgumentParser(
        prog="python -m fairdash", description="Fairness audits of binary classifiers.", epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    _audit_arguments(commands.add_parser("audit", help="audit a model or a score column; exit 1 when a --fail-on condition holds",
                                         epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter))
    _fixes_arguments(commands.add_parser("fixes", help="compare fixes (thresholds, reweighing, reductions, unawareness, another model)",
                                         description="Train and judge every fix on the same held-out rows (--data); the refits train on --train."))
    _monitor_arguments(commands.add_parser("monitor", help="fairness over time on a decision log; exit 1 when a --fail-on condition holds in the latest window",
                                           description="Counts the log where it lies (DuckDB, or Spark) and judges each window."))
    _demo_arguments(commands.add_parser("demo", help="write a built-in demo's data to a file"))
    return parser


def _audit_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``audit``."""
    parser.add_argument("--data", required=True, metavar="FILE", help="the table to audit: CSV or Parquet (e.g. test.csv)")
    parser.add_argument("--target", required=True, metavar="COL", help="the column of true outcomes (e.g. income)")
    parser.add_argument("--sensitive", required=True, metavar="COL[,COL]",
                        help="sensitive attribute(s); several, comma-separated, make intersectional groups (e.g. sex,race)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", metavar="FILE", help="a .skops or .onnx model (or .pkl/.joblib with --trust-pickle) that scores the table")
    source.add_argument("--score", metavar="COL", help="a column of scores or 0/1 predictions already in the table (e.g. decile_score)")
    parser.add_argument("--trust-pickle", action="store_true",
                        help="allow loading a .pkl/.joblib model: this runs code from the file, so only for files you trust")
    parser.add_argument("--trust-type", action="append", default=[], metavar="TYPE",
                        help="a type in a .skops file to trust beyond skops' defaults (repeatable; the error lists them)")
    parser.add_argument("--positive-label", metavar="V", help="the target value that is the positive class (default: 1, or the rarer value)")
    parser.add_argument("--reference", metavar="GROUP", help="the reference group (default: the largest)")
    parser.add_argument("--features", metavar="COL[,COL]", help="the columns the model takes (default: the model's own feature names)")
    parser.add_argument("--bins", action="append", default=[], metavar="COL=EDGES",
                        help=f"bands of a numeric sensitive attribute, e.g. age=25,40,65 (repeatable; by default one with over "
                             f"{BIN_ABOVE} distinct values is cut into quintiles)")
    thresholds = parser.add_mutually_exclusive_group()
    thresholds.add_argument("--threshold", type=float, metavar="T", help="selected when score >= T (default: 0.5 for probabilities)")
    thresholds.add_argument("--thresholds", metavar="FILE.json",
                            help="per-group thresholds: the JSON the dashboard downloads, or {\"group\": T, ...}")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="D",
                        help=f"differences up to D pass in the printed verdicts (default {DEFAULT_TOLERANCE})")
    parser.add_argument("--min-group-size", type=int, default=SMALL_GROUP_SIZE, metavar="N",
                        help=f"leave groups under N rows out of the disparities, as the dashboard does (default {SMALL_GROUP_SIZE}; 0 keeps all)")
    parser.add_argument("--explain-rows", type=int, default=500, metavar="N",
                        help="with a model, explain up to N rows with SHAP for the report and JSON (default 500)")
    parser.add_argument("--no-explain", action="store_true", help="skip the SHAP explanations (the fairness audit is unchanged)")
    parser.add_argument("--engine", default="memory", choices=["memory", "duckdb", "spark"],
                        help="where the rows are counted: in memory (default; a Parquet table too big for it falls back to duckdb "
                             "for a --score audit), or by DuckDB or Spark where the file lies (--score audits only)")
    parser.add_argument("--json", metavar="OUT", help="write the audit as JSON (e.g. audit.json)")
    parser.add_argument("--report", metavar="OUT.html", help="write the self-contained HTML report (e.g. audit.html)")
    parser.add_argument("--fail-on", action="append", default=[], metavar="EXPR",
                        help="a condition that fails the audit, such as 'demographic_parity_ratio<0.8' (repeatable)")


def _fixes_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``fixes``."""
    parser.add_argument("--data", required=True, metavar="AUDIT", help="the held-out table the fixes are judged on (CSV or Parquet)")
    parser.add_argument("--train", metavar="TRAIN", help="the table the model was trained on, for the fixes that refit it")
    parser.add_argument("--target", required=True, metavar="COL", help="the column of true outcomes")
    parser.add_argument("--positive-label", metavar="V", help="the target value that is the positive class (default: 1, or the rarer value)")
    parser.add_argument("--sensitive", required=True, metavar="COL[,COL]", help="sensitive attribute(s), comma-separated")
    parser.add_argument("--model", required=True, metavar="FILE", help="the model: .skops (or .pkl/.joblib with --trust-pickle); .onnx cannot be refitted")
    parser.add_argument("--trust-pickle", action="store_true", help="allow loading .pkl/.joblib models (they run code from the file)")
    parser.add_argument("--trust-type", action="append", default=[], metavar="TYPE", help="a type in a .skops file to trust (repeatable)")
    parser.add_argument("--features", metavar="COL[,COL]", help="the columns the model takes (default: the model's own feature names)")
    parser.add_argument("--bins", action="append", default=[], metavar="COL=EDGES", help="bands of a numeric sensitive attribute")
    parser.add_argument("--constraint", default="demographic_parity", choices=["demographic_parity", "equalized_odds", "equal_opportunity"],
                        help="what the thresholds and reductions aim for (default demographic_parity)")
    parser.add_argument("--threshold", type=float, metavar="T", help="where the original and the refits decide (default: the model's own boundary)")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="D", help="the disparity the thresholds fix aims under")
    parser.add_argument("--min-group-size", type=int, default=SMALL_GROUP_SIZE, metavar="N",
                        help=f"leave groups under N rows out of each fix's disparities, as the audit does (default {SMALL_GROUP_SIZE}; 0 keeps all)")
    parser.add_argument("--other-model", metavar="FILE", help="a second model to compare on the same rows (same formats and trust)")
    parser.add_argument("--json", metavar="OUT", help="write the comparison as JSON")
    parser.add_argument("--report", metavar="OUT.html", help="write the comparison as a self-contained HTML page")


def _monitor_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``monitor``."""
    parser.add_argument("--data", required=True, metavar="LOG",
                        help="a CSV or Parquet file, a folder of Parquet files, or duckdb:PATH:TABLE")
    parser.add_argument("--time", required=True, metavar="COL", help="the column of dates or times")
    parser.add_argument("--window", default="month", choices=["day", "week", "month", "quarter"], help="window length (default month)")
    parser.add_argument("--target", required=True, metavar="COL", help="the true outcome (empty where not known yet)")
    parser.add_argument("--positive-label", default="1", metavar="V", help="the outcome value that is positive (default 1)")
    parser.add_argument("--sensitive", required=True, metavar="COL[,COL]", help="sensitive attribute(s), comma-separated")
    decided = parser.add_mutually_exclusive_group(required=True)
    decided.add_argument("--score", metavar="COL", help="the model's score (selected when score >= --threshold)")
    decided.add_argument("--decision", metavar="COL", help="the model's 0/1 decision")
    parser.add_argument("--threshold", type=float, metavar="T", help="with --score: the threshold (default 0.5 for scores in [0, 1])")
    parser.add_argument("--engine", default="duckdb", choices=["duckdb", "spark"], help="where the rows are counted (default duckdb)")
    parser.add_argument("--baseline", metavar="WINDOW", help="the start date of the window to compare with (default: the first)")
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE, metavar="D", help=f"differences up to D pass (default {DEFAULT_TOLERANCE})")
    parser.add_argument("--min-group-size", type=int, default=SMALL_GROUP_SIZE, metavar="N",
                        help=f"leave groups under N rows in a window out of its disparities (default {SMALL_GROUP_SIZE})")
    parser.add_argument("--json", metavar="OUT", help="write the windows and alerts as JSON")
    parser.add_argument("--report", metavar="OUT.html", help="write a self-contained HTML page with the charts")
    parser.add_argument("--fail-on", action="append", default=[], metavar="EXPR",
                        help="a condition on the latest window that fails the run, such as 'demographic_parity_ratio<0.8' (repeatable)")


def _demo_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``demo``."""
    parser.add_argument("name", choices=list(DEMO_TITLES), help="which demo")
    parser.add_argument("--out", required=True, metavar="FILE", help="where to write it (.csv or .parquet)")
    parser.add_argument("--train-out", metavar="FILE", help="also write the rows its model was trained on (.csv or .parquet)")


def parse_condition(text: str) -> tuple[str, str, float]:
    """``"demographic_parity_ratio<0.8"`` -> ``("demographic_parity_ratio", "<", 0.8)``; raises on anything else."""
    match = _CONDITION.match(text)
    if not match:
        raise InvalidInputError(f"--fail-on {text!r} is not NAME<VALUE (or <=, >, >=), e.g. 'demographic_parity_ratio<0.8'.")
    name, symbol, value = match.groups()
    if name not in DISPARITY_NAMES:
        raise InvalidInputError(f"--fail-on {text!r}: unknown name {name!r}; use one of {', '.join(DISPARITY_NAMES)}.")
    limit = float(value)
    if not math.isfinite(limit):
        raise InvalidInputError(f"--fail-on {text!r}: the limit must be a finite number.")
    return name, symbol, limit


def _bins(entries: Sequence[str]) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """``["age=25,40,65"]`` -> ``(("age", (25.0, 40.0, 65.0)),)``."""
    bins = []
    for entry in entries:
        column, equals, edges = entry.partition("=")
        if not equals or not column.strip():
            raise InvalidInputError(f"--bins {brief(entry)} is not COLUMN=EDGES, e.g. age=25,40,65.")
        if column.strip() in dict(bins):
            raise InvalidInputError(f"--bins names {brief(column.strip())} twice; give each column's edges once.")
        bins.append((column.strip(), parse_bins(edges, column.strip())))
    return tuple(bins)


def _thresholds_from_file(path: str) -> float | dict[str, float]:
    shown = brief(path)
    try:
        content = json.loads(Path(path).read_bytes().decode("utf-8-sig"))
    except OSError as error:
        raise InvalidInputError(f"--thresholds {shown} cannot be read ({error.strerror or error}).") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"--thresholds {shown} is not UTF-8 text; save it as UTF-8 JSON.") from None
    except (json.JSONDecodeError, RecursionError) as error:
        raise InvalidInputError(f"--thresholds {shown} is not valid JSON ({getattr(error, 'msg', 'too deeply nested')}).") from None
    value = content.get("thresholds", content) if isinstance(content, dict) else content
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return check_threshold(value)
    if isinstance(value, dict) and value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values()):
        return {str(k): check_threshold(v) for k, v in value.items()}
    raise InvalidInputError(f"--thresholds {shown} must hold a number or {{group: number}} (or the dashboard's download).")


def gate(disparities: dict[str, Any], conditions: Sequence[tuple[str, str, float]], table: pd.DataFrame) -> list[str]:
    """The ``--fail-on`` conditions that hold, each as a line for stderr.

    A condition on an undefined disparity holds (the gate fails closed), with the reason it is undefined.
    """
    failed = []
    for name, symbol, limit in conditions:
        value = disparities[name]
        if value is None or math.isnan(value):
            failed.append(f"FAILED: {name}{symbol}{limit:g}: {name} is undefined ({undefined_reason(table, name)}), "
                          "so the condition cannot be shown not to hold")
        elif _OPERATORS[symbol](value, limit):
            failed.append(f"FAILED: {name} = {value:.4f}, which is {symbol} {limit:g}")
    return failed


def _audit(args: argparse.Namespace) -> int:
    from fairdash.audit.run import run_audit
    from fairdash.present.report import audit_html, audit_json

    conditions = [parse_condition(text) for text in args.fail_on]  # check before the slow part
    check_tolerance(args.tolerance)
    if args.threshold is not None:
        check_threshold(args.threshold)
    if args.explain_rows < 0:
        raise InvalidInputError(f"--explain-rows must be 0 or more; got {args.explain_rows}.")
    if args.min_group_size < 0:
        raise InvalidInputError(f"--min-group-size must be 0 or more; got {args.min_group_size}.")
    sensitive = _column_list(args.sensitive)
    if args.engine != "memory":
        return _audit_by_engine(args, conditions, sensitive, args.engine)
    try:
        table = read_table(args.data)
    except TableTooLargeError as error:
        if args.score is None or not _parquet(args.data):
            raise
        print(f"note: {error} It is a scores-only audit of Parquet, so DuckDB counts it where it lies instead.", file=sys.stderr)
        return _audit_by_engine(args, conditions, sensitive, "duckdb")
    positive = _positive_label(table, args.target, args.positive_label)
    model = load_model(args.model, trust_pickle=args.trust_pickle, trusted_types=args.trust_type) if args.model else None
    features = _model_features(args, model, table)
    spec = AuditSpec(target=args.target, positive_label=positive, sensitive=sensitive, reference=args.reference,
                     score=args.score, features=features, bins=_bins(args.bins))
    thresholds = _thresholds_from_file(args.thresholds) if args.thresholds else args.threshold
    audit = run_audit(table, spec, model, thresholds=thresholds, tolerance=args.tolerance,
                      min_group_size=args.min_group_size, data_name=Path(args.data).name,
                      explain_rows=0 if args.no_explain else args.explain_rows)

    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        print(f"fairdash audit of {audit.data_name}: {audit.summary.rows:,} rows; target {spec.target} = {positive}; "
              f"groups of {' x '.join(sensitive)}; thresholds {audit.thresholds}")
        for column, edges in audit.bins.items():
            print(f"{column} is grouped into bands: {', '.join(band_labels(edges))} (--bins {column}=... to change them)")
        for warning in audit.inputs.warnings:
            print(f"warning: {warning}")
        if audit.explain_error is not None:
            print(f"warning: the SHAP explanation failed and is left out ({audit.explain_error}); the fairness audit stands")
        print()
        print(audit.table[["count", "base_rate", "selection_rate", "tpr", "fpr", "precision", "accuracy"]].to_string())
        print()
        if audit.groups_left_out:
            print(f"left out of the disparities (under {args.min_group_size} rows): {', '.join(audit.groups_left_out)}")
        _print_findings(audit.findings, audit.intervals.disparities)
    _write_outputs(args, lambda: audit_json(audit), lambda: audit_html(audit))

    return _gate_exit(audit.result, conditions)


def audit_command(
    spec: AuditSpec,
    *,
    model_file: str | None,
    thresholds: float | dict[str, float],
    tolerance: float = DEFAULT_TOLERANCE,
    min_group_size: int = SMALL_GROUP_SIZE,
    data_file: str = "DATA.csv",
    trusted_types: Sequence[str] = (),
) -> str:
    """The ``python -m fairdash audit`` command for this audit, to paste into a POSIX shell.

    Every value (column names, labels, file names) is quoted with :func:`shlex.quote`, so text from
    the data stays one argument and never runs as shell. Per-group thresholds are named by the file
    the dashboard downloads (``fairdash-thresholds.json``). A model that is not a file (a demo's,
    trained here) is named ``MODEL.skops``: save it with ``skops.io.dump``. ``trusted_types`` are the
    types of a ``.skops`` model the user reviewed and trusted (``--trust-type``, one each).
    """
    from fairdash.intake.models import MODEL_SUFFIXES, PICKLE_SUFFIXES

    quote = shlex.quote
    parts = ["python -m fairdash audit", f"--data {quote(data_file)}", f"--target {quote(str(spec.target))}",
             f"--positive-label {quote(str(spec.positive_label))}", f"--sensitive {quote(','.join(map(str, spec.sensitive)))}"]
    if model_file is None:
        parts.append(f"--score {quote(str(spec.score))}")
    elif model_file.lower().endswith(MODEL_SUFFIXES):
        parts.append(f"--model {quote(model_file)}" + (" --trust-pickle" if model_file.lower().endswith(PICKLE_SUFFIXES) else ""))
        parts += [f"--trust-type {quote(str(trusted))}" for trusted in trusted_types]
    else:
        parts.append("--model MODEL.skops")
    if model_file is not None and spec.features:
        parts.append(f"--features {quote(','.join(map(str, spec.features)))}")
    if spec.reference is not None:
        parts.append(f"--reference {quote(str(spec.reference))}")
    parts += [f"--bins {quote(f'{column}=' + ','.join(f'{edge:g}' for edge in edges))}" for column, edges in spec.bins]
    parts.append("--thresholds fairdash-thresholds.json" if isinstance(thresholds, dict) else f"--threshold {float(thresholds)!r}")
    parts += [f"--tolerance {float(tolerance)!r}", f"--min-group-size {int(min_group_size)}",
              "--json audit.json --report audit.html", f"--fail-on {quote('demographic_parity_ratio<0.8')}"]
    return " \\\n    ".join(parts)


def _positive_label(table: pd.DataFrame, target: str, given: str | None):
    """The positive label: the value of the target column that ``given`` names, else a usual or the rarer value."""
    if target not in table.columns:
        raise InvalidInputError(f"The table has no target column {target!r}; its columns are {', '.join(map(str, table.columns))}.")
    return resolve_label(table[target], given) if given is not None else default_positive_label(table[target])


def _column_list(text: str) -> tuple[str, ...]:
    """Comma-separated column names, as --sensitive and --features take them."""
    return tuple(column.strip() for column in text.split(",") if column.strip())


def _model_features(args: argparse.Namespace, model: Any, table: pd.DataFrame) -> tuple[str, ...]:
    """--features, else the model's own feature names, else (with a model) every column but the target."""
    features = _column_list(args.features) if args.features else (model.feature_names or () if model is not None else ())
    return features or (tuple(column for column in table.columns if column != args.target) if model is not None else ())


def _demo(args: argparse.Namespace) -> int:
    demo = load_demo(args.name)
    if args.train_out and demo.train is None:
        raise InvalidInputError(f"The {args.name} demo has no model, so no training rows.")
    for data, out, what in ((demo.data, args.out, "rows"), (demo.train, args.train_out, "training rows")):
        if out is None:
            continue
        out = Path(out)
        if out.suffix.lower() in (".parquet", ".pq"):
            data.to_parquet(out, index=False)
        else:
            data.to_csv(out, index=False)
        print(f"wrote {len(data):,} {what} of the {args.name} demo to {out}")
    return EXIT_PASS


def _print_findings(findings: pd.DataFrame, bounds: pd.DataFrame) -> None:
    """Each disparity with its interval and verdict, one line each."""
    from fairdash.present.text import verdict_word

    print(f"{'disparity':32s} {'value':>9s}  {'95% interval':13s}  verdict")
    for name, row in findings.to_dict("index").items():
        low, high = bounds.loc[name, ["lower", "upper"]]
        interval = "" if math.isnan(low) else f"{low:.3f} - {high:.3f}"
        if row["undefined"]:
            print(f"{name:32s} {'undefined':>9s}  {interval:13s}  n/a  ({row['undefined']})")
            continue
        verdict = verdict_word(row).replace("fail", "FAIL")  # shouted: the line a reader of a log looks for
        rule = f" ({row['rule']})" if row["rule"] else ""
        print(f"{name:32s} {row['value']:9.3f}  {interval:13s}  {verdict:4s}{rule}")


def _parquet(path: str) -> bool:
    return Path(path).is_dir() or Path(path).suffix.lower() in (".parquet", ".pq")


def _audit_by_engine(args: argparse.Namespace, conditions: list, sensitive: tuple[str, ...], engine: str) -> int:
    """A scores-only audit counted where the table lies (DuckDB or Spark): no row is read into memory."""
    from fairdash.monitor.engines import count_table
    from fairdash.monitor.windows import monitor
    from fairdash.present.monitor_report import engine_audit_html, engine_audit_json

    if args.model or args.thresholds or args.bins:
        given = "--model" if args.model else "--thresholds" if args.thresholds else "--bins"
        raise InvalidInputError(f"{given} needs the rows in memory; an audit counted by the engine takes --score and one --threshold.")
    positive = args.positive_label if args.positive_label is not None else "1"
    spec = AuditSpec(target=args.target, positive_label=positive, sensitive=sensitive, reference=args.reference, score=args.score)
    result = monitor(count_table(args.data, spec, engine=engine, threshold=args.threshold), threshold=args.threshold,
                     tolerance=args.tolerance, min_group_size=args.min_group_size)
    (window,) = result.windows
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        print(f"fairdash audit of {Path(args.data).name} counted by {engine}: {window.rows:,} rows; target {spec.target} = {positive}; "
              f"groups of {' x '.join(sensitive)}; threshold {result.threshold:g}")
        unknown = int(window.table["unknown"].sum())
        if unknown:
            print(f"warning: {unknown:,} rows have no outcome: they count for the selection rates only")
        print()
        print(window.table[["count", "selection_rate", "tpr", "fpr", "precision", "accuracy"]].to_string())
        print()
        if window.left_out:
            print(f"left out of the disparities (under {args.min_group_size} rows): {', '.join(window.left_out)}")
        _print_findings(window.findings, window.disparity_bounds)
    _write_outputs(args, lambda: engine_audit_json(result, data_name=Path(args.data).name), lambda: engine_audit_html(result))
    return _gate_exit(window.result, conditions)


def _gate_exit(result: AuditResult, conditions: Sequence[tuple[str, str, float]], *, where: str = "") -> int:
    """The exit code of a run: each --fail-on condition that holds on stderr, then 1; else 0."""
    failed = gate(result.disparities, conditions, result.judged)
    for line in failed:
        print(f"{line}{where}", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_PASS


def _write_outputs(args: argparse.Namespace, document: Callable[[], Any], page: Callable[[], str]) -> None:
    """Write ``--json`` (the document, as JSON any parser reads) and ``--report`` (the HTML page) when asked."""
    from fairdash.present.document import json_text

    for path, text in ((args.json, lambda: json_text(document())), (args.report, page)):
        if path:
            try:
                Path(path).write_text(text(), encoding="utf-8")
            except OSError as error:  # the error of a failed write may name no file: name it here
                raise InvalidInputError(f"Cannot write {brief(path)}: {error.strerror or error}.") from None
            print(f"wrote {path}")


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse an output (--json, --report) that names an input file or the other output: it would be overwritten."""
    seen: dict[Path, str] = {}
    for name in ("data", "train", "model", "other_model", "thresholds"):
        path = getattr(args, name, None)
        if path and not str(path).startswith("duckdb:"):
            seen[Path(path).resolve()] = f"--{name.replace('_', '-')}"
    for option in ("json", "report"):
        path = getattr(args, option, None)
        if not path:
            continue
        resolved = Path(path).resolve()
        if resolved in seen:
            raise InvalidInputError(f"--{option} {brief(path)} is the file given to {seen[resolved]}: it would be overwritten. "
                                    "Write the output to another file.")
        seen[resolved] = f"--{option}"


def _monitor(args: argparse.Namespace) -> int:
    from fairdash.monitor.engines import MonitorSpec, count_log
    from fairdash.monitor.windows import monitor
    from fairdash.present.monitor_report import monitor_html, monitor_json

    conditions = [parse_condition(text) for text in args.fail_on]
    check_tolerance(args.tolerance)
    if args.threshold is not None:
        check_threshold(args.threshold)
    sensitive = _column_list(args.sensitive)
    spec = MonitorSpec(time=args.time, target=args.target, positive_label=args.positive_label, sensitive=sensitive,
                       window=args.window, score=args.score, decision=args.decision)
    result = monitor(count_log(args.data, spec, engine=args.engine, threshold=args.threshold), threshold=args.threshold,
                     tolerance=args.tolerance, baseline=args.baseline, min_group_size=args.min_group_size)
    print(f"fairdash monitor of {args.data}: {result.counts.rows:,} rows in {len(result.windows)} windows of a {args.window} "
          f"({args.engine}); threshold {result.threshold:g}; baseline {result.baseline.date()}")
    print(f"{'window':12s} {'rows':>10s}  {'DP diff':>8s} {'DP ratio':>8s} {'EO diff':>8s}  note")
    for window in result.windows:
        values = [window.disparities[name] for name in ("demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference")]
        note = "outcomes mostly not in yet" if window.pending else ""
        shown = " ".join("     n/a" if math.isnan(value) else f"{value:8.3f}" for value in values)  # undefined, not a number
        print(f"{str(window.start.date()):12s} {window.rows:10,d}  {shown}  {note}")
    for note in result.notes:
        print(f"note: {note}")
    for alert in result.alerts:
        print(f"alert: {alert['window'].date()} {alert['disparity']}: {alert['reason']}")
    _write_outputs(args, lambda: monitor_json(result), lambda: monitor_html(result))
    latest = result.windows[-1]
    return _gate_exit(latest.result, conditions, where=f" (latest window, {latest.start.date()})")


def _fixes(args: argparse.Namespace) -> int:
    from fairdash.fixes.compare import CONSTRAINT_DISPARITY, compare_fixes, unmet_message
    from fairdash.present.fixes_report import fixes_html, fixes_json, fixes_table

    check_tolerance(args.tolerance)
    if args.threshold is not None:
        check_threshold(args.threshold)
    if args.min_group_size < 0:
        raise InvalidInputError(f"--min-group-size must be 0 or more; got {args.min_group_size}.")
    table = read_table(args.data)
    train = read_table(args.train) if args.train else None
    positive = _positive_label(table, args.target, args.positive_label)
    model = load_model(args.model, trust_pickle=args.trust_pickle, trusted_types=args.trust_type)
    other = load_model(args.other_model, trust_pickle=args.trust_pickle, trusted_types=args.trust_type) if args.other_model else None
    features = _model_features(args, model, table)
    sensitive = _column_list(args.sensitive)
    spec = AuditSpec(target=args.target, positive_label=positive, sensitive=sensitive, features=features, bins=_bins(args.bins))

    def progress(fraction: float, text: str) -> None:
        print(f"[{fraction:4.0%}] {text}", file=sys.stderr)

    fixes = compare_fixes(table, spec, model, train=train, constraint=args.constraint, threshold=args.threshold,
                          tolerance=args.tolerance, other_model=other, min_group_size=args.min_group_size, progress=progress)
    disparity = CONSTRAINT_DISPARITY[args.constraint]
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_colwidth", 60, "display.float_format", "{:.3f}".format):
        print(f"fairdash fixes of {Path(args.data).name}: {len(table):,} rows; constraint {args.constraint}")
        print(fixes_table(fixes, disparity).to_string())
    unmet = unmet_message(fixes, args.constraint, args.tolerance)
    if unmet:
        print(f"warning: {unmet}", file=sys.stderr)
    _write_outputs(args, lambda: fixes_json(fixes, constraint=args.constraint, data_name=Path(args.data).name,
                                            train_name=Path(args.train).name if args.train else None),
                   lambda: fixes_html(fixes, constraint=args.constraint, data_name=Path(args.data).name))
    return EXIT_PASS


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 pass, 1 a condition holds, 2 bad input, 3 internal error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        sensitive = _column_list(getattr(args, "sensitive", None) or "")
        repeated = [column for column in dict.fromkeys(sensitive) if sensitive.count(column) > 1]
        if repeated:  # an argument error, told as argparse tells one, before any file is read
            parser.error(f"--sensitive names {brief(repeated[0])} twice; name each sensitive column once")
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2, already explained on stderr)
        return EXIT_PASS if exit_.code in (0, None) else EXIT_BAD_INPUT
    try:
        if args.command != "demo":
            _check_outputs(args)
        return {"audit": _audit, "fixes": _fixes, "monitor": _monitor, "demo": _demo}[args.command](args)
    except FairdashError as error:
        print(f"fairdash: error: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:  # an output path that cannot be written
        print(f"fairdash: error: {error.strerror or error}: {brief(error.filename or '')}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception:  # a bug in fairdash: never exit 1, which a pipeline reads as "a condition holds"
        traceback.print_exc()
        print("fairdash: internal error (a bug in fairdash, not a verdict on the model); please report it with the traceback above",
              file=sys.stderr)
        return EXIT_INTERNAL


def _one_line(message: str, limit: int = 500) -> str:
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
