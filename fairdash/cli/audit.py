"""``python -m fairdash audit``: the audit of a table and a model (or a score column), as a release gate."""

from __future__ import annotations

import argparse
import functools
import json
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import pandas as pd

from fairdash.engine.conditional import check_control
from fairdash.engine.metrics import DEFAULT_TOLERANCE, DISPARITY_NAMES, check_tolerance
from fairdash.engine.spec import BIN_ABOVE, SMALL_GROUP_SIZE, AuditSpec, band_labels
from fairdash.engine.thresholds import check_threshold
from fairdash.cli.balance import conditional_gate, print_conditional
from fairdash.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    ArgumentTable,
    add_argument_table,
    add_pdf_arguments,
    bins_option,
    check_pdf,
    column_list,
    gate_exit,
    model_features,
    one_line,
    parse_condition,
    positive_label,
    print_findings,
    print_where_unfair,
    thresholds_from_file,
    trusted_types_for,
    write_outputs,
    write_pdf,
)
from fairdash.errors import FairdashError, InvalidInputError, TableTooLargeError, brief
from fairdash.explain.recourse import RECOURSE_NAMES, RECOURSE_ROWS
from fairdash.intake.models import ScoreModel, load_model
from fairdash.intake.tables import read_table
from fairdash.present.text import for_people
from fairdash.present.sentences import recourse_rows, undefined_text, warning_text

if TYPE_CHECKING:  # the audit's modules load when an audit runs, not for --help
    from fairdash.run import Audit
    from fairdash.store.db import StoredFile

__all__ = ["EPILOG", "HELP", "add_arguments", "run", "audit_command"]

HELP = "audit a model or a score column; exit 1 when a --fail-on condition holds"
EPILOG = (
    """examples:
  python -m fairdash audit --data scored.csv --target reoffended --sensitive race --score risk_score \\
      --threshold 5 --fail-on 'demographic_parity_ratio<0.8'
  python -m fairdash audit --data test.parquet --target income --positive-label '>50K' --sensitive sex,race \\
      --model model.skops --thresholds fairdash-thresholds.json --json audit.json --report audit.html \\
      --fail-on 'equalized_odds_difference>0.1' --fail-on 'demographic_parity_ratio<0.8'
  python -m fairdash demo compas --out compas.csv

--fail-on names: """
    + ", ".join(DISPARITY_NAMES)
    + "; with --recourse also "
    + ", ".join(RECOURSE_NAMES)
    + "; with --control also cdd[GROUP] (a group's conditional demographic disparity) and cdd_max (the largest in absolute value)"
)


_DATA_ARGUMENTS: ArgumentTable = (
    (("--data",), {"required": True, "metavar": "FILE", "help": "the table to audit: CSV or Parquet (e.g. test.csv)"}),
    (("--target",), {"required": True, "metavar": "COL", "help": "the column of true outcomes (e.g. income)"}),
    (
        ("--sensitive",),
        {
            "required": True,
            "metavar": "COL[,COL]",
            "help": "sensitive attribute(s); several, comma-separated, make intersectional groups (e.g. sex,race)",
        },
    ),
)
"""The table and its columns."""

_SOURCE_ARGUMENTS: ArgumentTable = (
    (
        ("--model",),
        {
            "metavar": "FILE",
            "help": "a .skops or .onnx model (or .pkl/.joblib with --trust-pickle) that scores the table; or an MLflow "
            "scikit-learn model, models:/NAME/VERSION or runs:/RUN/PATH (a pickle inside: needs --trust-pickle)",
        },
    ),
    (("--score",), {"metavar": "COL", "help": "a column of scores or 0/1 predictions already in the table (e.g. decile_score)"}),
)
"""Where the scores come from: one of the two, required."""

_MODEL_ARGUMENTS: ArgumentTable = (
    (
        ("--trust-pickle",),
        {
            "action": "store_true",
            "help": "allow loading a .pkl/.joblib model: this runs code from the file, so only for files you trust",
        },
    ),
    (
        ("--trust-type",),
        {
            "action": "append",
            "default": [],
            "metavar": "TYPE",
            "help": "a type in a .skops file to trust beyond skops' defaults (repeatable; the error lists them)",
        },
    ),
    (
        ("--positive-label",),
        {"metavar": "V", "help": "the target value that is the positive class (default: 1, or the rarer value)"},
    ),
    (("--reference",), {"metavar": "GROUP", "help": "the reference group (default: the largest)"}),
    (("--features",), {"metavar": "COL[,COL]", "help": "the columns the model takes (default: the model's own feature names)"}),
    (
        ("--bins",),
        {
            "action": "append",
            "default": [],
            "metavar": "COL=EDGES",
            "help": f"bands of a numeric sensitive attribute, e.g. age=25,40,65 (repeatable; by default one with over "
            f"{BIN_ABOVE} distinct values is cut into quintiles)",
        },
    ),
)
"""How the model is read and the audit's columns and bands."""

_THRESHOLD_ARGUMENTS: ArgumentTable = (
    (("--threshold",), {"type": float, "metavar": "T", "help": "selected when score >= T (default: 0.5 for probabilities)"}),
    (
        ("--thresholds",),
        {"metavar": "FILE.json", "help": 'per-group thresholds: the JSON the dashboard downloads, or {"group": T, ...}'},
    ),
)
"""One threshold or one per group, not both."""

_JUDGING_ARGUMENTS: ArgumentTable = (
    (
        ("--tolerance",),
        {
            "type": float,
            "default": DEFAULT_TOLERANCE,
            "metavar": "D",
            "help": f"differences up to D pass in the printed verdicts (default {DEFAULT_TOLERANCE})",
        },
    ),
    (
        ("--min-group-size",),
        {
            "type": int,
            "default": SMALL_GROUP_SIZE,
            "metavar": "N",
            "help": f"leave groups under N rows out of the disparities, as the dashboard does (default {SMALL_GROUP_SIZE}; 0 keeps all)",
        },
    ),
    (
        ("--explain-rows",),
        {
            "type": int,
            "default": 500,
            "metavar": "N",
            "help": "with a model, explain up to N rows with SHAP for the report and JSON (default 500)",
        },
    ),
    (("--no-explain",), {"action": "store_true", "help": "skip the SHAP explanations (the fairness audit is unchanged)"}),
    (
        ("--engine",),
        {
            "default": "memory",
            "choices": ["memory", "duckdb", "spark"],
            "help": "where the rows are counted: in memory (default; a Parquet table too big for it falls back to duckdb "
            "for a --score audit), or by DuckDB or Spark where the file lies (--score audits only)",
        },
    ),
    (("--json",), {"metavar": "OUT", "help": "write the audit as JSON (e.g. audit.json)"}),
    (("--report",), {"metavar": "OUT.html", "help": "write the self-contained HTML report (e.g. audit.html)"}),
)
"""How the audit judges and explains, and the outputs JSON and HTML."""

_GATE_ARGUMENTS: ArgumentTable = (
    (
        ("--model-card",),
        {
            "metavar": "OUT.md",
            "help": "write a model card: Markdown with Hugging Face's YAML front matter, every disparity in its "
            "model-index (e.g. MODEL_CARD.md)",
        },
    ),
    (
        ("--fail-on",),
        {
            "action": "append",
            "default": [],
            "metavar": "EXPR",
            "help": "a condition that fails the audit, such as 'demographic_parity_ratio<0.8' (repeatable)",
        },
    ),
    (
        ("--fail-on-inconclusive",),
        {
            "action": "store_true",
            "help": "also fail (exit 1) when a headline disparity's 95%% interval crosses its rule's bar, so the data "
            "cannot tell pass from fail (or the disparity is undefined); each is named on stderr",
        },
    ),
)
"""The model card and the conditions that fail the audit."""

_OPTIONAL_ARGUMENTS: ArgumentTable = (
    (
        ("--calibration",),
        {
            "action": "store_true",
            "help": "also check calibration within groups (reliability per score bin, ECE and its gap) and say why the "
            "fairness criteria conflict; printed, and in --json and --report",
        },
    ),
    (
        ("--subgroups",),
        {
            "action": "store_true",
            "help": "also search every subgroup of one or two conditions over the table's columns for the largest gaps "
            "against the rest (selection rate, TPR, FPR; p-values corrected for the number tested)",
        },
    ),
    (
        ("--max-conditions",),
        {
            "type": int,
            "choices": [1, 2],
            "default": None,
            "metavar": "{1,2}",
            "help": "with --subgroups: subgroups of at most this many conditions (default 2)",
        },
    ),
    (
        ("--min-size",),
        {
            "type": int,
            "default": None,
            "metavar": "N",
            "help": f"with --subgroups: test subgroups of at least N rows (default {SMALL_GROUP_SIZE})",
        },
    ),
    (
        ("--control",),
        {
            "metavar": "COL[,COL]",
            "help": "a legitimate factor held equal (e.g. department): selection rates within each of its strata and the "
            "conditional demographic disparity (in the JSON as 'conditional'; --fail-on 'cdd[GROUP]>0.05', 'cdd_max>0.05')",
        },
    ),
    (
        ("--recourse",),
        {
            "action": "store_true",
            "help": "with --model, also the recourse by group: each group's mean distance from its turned-down rows to their "
            "nearest counterfactual (in the JSON as 'recourse'; --fail-on 'recourse_burden_ratio<0.8')",
        },
    ),
    (
        ("--recourse-rows",),
        {
            "type": int,
            "default": RECOURSE_ROWS,
            "metavar": "N",
            "help": f"search up to N turned-down rows for --recourse, a seeded sample when there are more (default {RECOURSE_ROWS})",
        },
    ),
    (
        ("--save",),
        {
            "action": "store_true",
            "help": "keep the audit in the store (FAIRDASH_HOME, default ~/.fairdash); the last line printed is 'saved: ID URL'",
        },
    ),
    (("--title",), {"metavar": "T", "help": "the saved audit's title (default: the data file's name)"}),
    (
        ("--owner",),
        {
            "metavar": "EMAIL",
            "help": "with --save, the user the audit belongs to (signed in to the dashboard as EMAIL); without it, a "
            "team audit that every signed-in user sees",
        },
    ),
    (
        ("--mlflow",),
        {
            "nargs": "?",
            "const": "./mlruns",
            "metavar": "TRACKING_URI",
            "help": "log the audit to MLflow (params, metrics, the JSON and report as artifacts) in the active run or a "
            "new one; default store ./mlruns, offline (also where models:/ and runs:/ models are read from)",
        },
    ),
    (
        ("--keep-files",),
        {
            "action": "store_true",
            "help": "with --save, also keep the table and model files, so that the dashboard reopens the audit live",
        },
    ),
)
"""The arguments of the audit's optional parts (calibration, subgroups, recourse) and of keeping it (store, MLflow)."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``audit``."""
    add_argument_table(parser, _DATA_ARGUMENTS)
    add_argument_table(parser.add_mutually_exclusive_group(required=True), _SOURCE_ARGUMENTS)
    add_argument_table(parser, _MODEL_ARGUMENTS)
    add_argument_table(parser.add_mutually_exclusive_group(), _THRESHOLD_ARGUMENTS)
    add_argument_table(parser, _JUDGING_ARGUMENTS)
    add_pdf_arguments(parser)
    add_argument_table(parser, _GATE_ARGUMENTS)
    add_argument_table(parser, _OPTIONAL_ARGUMENTS)


def run(args: argparse.Namespace) -> int:
    from fairdash.run import run_audit

    control = column_list(args.control or "")
    conditions = _checked_options(args, control)
    sensitive = column_list(args.sensitive)
    if args.engine != "memory":
        return _audit_by_engine(args, conditions, sensitive, args.engine)
    try:
        table = read_table(args.data)
    except TableTooLargeError as error:
        if args.score is None or not _parquet(args.data):
            raise
        print(f"note: {error} It is a scores-only audit of Parquet, so DuckDB counts it where it lies instead.", file=sys.stderr)
        return _audit_by_engine(args, conditions, sensitive, "duckdb")
    positive = positive_label(table, args.target, args.positive_label)
    model, model_file = _model(args)
    features = model_features(args, model, table)
    spec = AuditSpec(
        target=args.target,
        positive_label=positive,
        sensitive=sensitive,
        reference=args.reference,
        score=args.score,
        features=features,
        bins=bins_option(args.bins),
    )
    thresholds = thresholds_from_file(args.thresholds) if args.thresholds else args.threshold
    audit = run_audit(
        table,
        spec,
        model,
        thresholds=thresholds,
        tolerance=args.tolerance,
        min_group_size=args.min_group_size,
        data_name=Path(args.data).name,
        explain_rows=0 if args.no_explain else args.explain_rows,
        calibration=args.calibration,
        subgroups=args.subgroups,
        max_conditions=args.max_conditions or 2,
        subgroup_min_size=args.min_size if args.min_size is not None else SMALL_GROUP_SIZE,
        recourse_rows=args.recourse_rows if args.recourse else None,
        control=control,
    )

    _print_audit(args, audit)
    _write_all(args, audit)
    return _keep(args, audit, model_file, _gate(args, audit, conditions))


def _checked_options(args: argparse.Namespace, control: tuple[str, ...]) -> list[tuple[str, str, float]]:
    """Every option checked before the slow part (reading the table, the model, the audit); return the --fail-on conditions."""
    from fairdash.store.db import tidy_title

    if args.control is not None and not control:
        raise InvalidInputError("--control names no column; give one, e.g. --control department.")
    conditions = _conditions(args, control)  # check before the slow part
    check_control(control, target=args.target, sensitive=column_list(args.sensitive), score=args.score)
    if args.recourse and (args.model is None or args.recourse_rows < 1):
        raise InvalidInputError(
            "--recourse needs --model (a model re-scores the changed rows)"
            if args.model is None
            else f"--recourse-rows must be 1 or more; got {args.recourse_rows}."
        )
    given = [
        flag
        for flag, value in (("--title", args.title), ("--keep-files", args.keep_files or None), ("--owner", args.owner))
        if value is not None
    ]
    if given and not args.save:
        raise InvalidInputError(f"{given[0]} goes with --save, which was not given.")
    if args.owner is not None:
        from fairdash.store.access import valid_user

        valid_user(args.owner)  # before the slow part
    if args.title is not None:
        tidy_title(args.title)  # an empty title is refused before the slow part, not once the outputs are written
    check_tolerance(args.tolerance)
    if args.threshold is not None:
        check_threshold(args.threshold)
    if args.explain_rows < 0:
        raise InvalidInputError(f"--explain-rows must be 0 or more; got {args.explain_rows}.")
    if args.min_group_size < 0:
        raise InvalidInputError(f"--min-group-size must be 0 or more; got {args.min_group_size}.")
    _check_where_options(args)
    check_pdf(args)  # no Chromium: one line before the slow part, and no file
    return conditions


def _write_all(args: argparse.Namespace, audit: Audit) -> None:
    """The outputs asked for: --json, --report, --pdf (the report's page built once for both), --model-card."""
    from fairdash.present.report import audit_html, audit_json

    page = functools.cache(lambda: audit_html(audit))
    write_outputs(args, lambda: audit_json(audit), page)
    write_pdf(args, page)
    if args.model_card:
        _write_model_card(args.model_card, audit)


def _gate(args: argparse.Namespace, audit: Audit, conditions: list) -> int:
    """The exit code of the --fail-on conditions (the conditional ones, cdd[...], on the control's figures), decided before
    logging or saving can fail; each condition that holds is named on stderr."""
    conditional_failed = conditional_gate(audit.conditional, conditions)
    code = gate_exit(
        audit.result,
        [c for c in conditions if not c[0].startswith("cdd")],
        recourse=audit.recourse,
        inconclusive=args.fail_on_inconclusive,
    )
    for line in conditional_failed:
        print(line, file=sys.stderr)
    return EXIT_FAIL if conditional_failed else code


def _write_model_card(path: str, audit: Audit) -> None:
    """Write the audit's model card (:func:`fairdash.present.model_card.model_card`) to ``path``."""
    from fairdash.present.document import json_text
    from fairdash.present.model_card import model_card
    from fairdash.present.report import audit_json
    from fairdash.present.summary import audit_summary

    document = json.loads(json_text(audit_json(audit)))  # the JSON as written: the card's numbers are the file's
    try:
        Path(path).write_text(model_card(document, summary=audit_summary(audit)), encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(f"Cannot write {brief(path)}: {error.strerror or error}.") from None
    print(f"wrote {path}")


def _print_audit(args: argparse.Namespace, audit) -> None:
    """The audit on stdout: settings, warnings, the groups' table, the disparities and the optional parts."""
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        print(
            f"fairdash audit of {audit.data_name}: {audit.summary.rows:,} rows; target {audit.spec.target} = {audit.spec.positive_label}; "
            f"groups of {' x '.join(audit.spec.sensitive)}; thresholds {audit.thresholds}"
        )
        for column, edges in audit.bins.items():
            print(f"{column} is grouped into bands: {', '.join(band_labels(edges))} (--bins {column}=... to change them)")
        for warning in audit.warnings:
            print(f"warning: {warning_text(warning)}")
        if audit.explain_error is not None:
            print(f"warning: the SHAP explanation failed and is left out ({audit.explain_error}); the fairness audit stands")
        for note in audit.surrogate.notes if audit.surrogate is not None else ():
            print(f"rules: {note}")
        print()
        rates = ("base_rate", "selection_rate", "tpr", "fpr", "precision", "accuracy")
        print(for_people(audit.table[["count", *rates]], percent_columns=rates).to_string())
        print()
        if audit.groups_left_out:
            print(f"left out of the disparities (under {args.min_group_size} rows): {', '.join(audit.groups_left_out)}")
        print_findings(audit.findings, audit.intervals.disparities)
        print_where_unfair(audit)
        if audit.recourse is not None:
            _print_recourse(audit.recourse)
        if audit.conditional is not None:
            print_conditional(audit.conditional)


def _keep(args: argparse.Namespace, audit, model_file: StoredFile | None, code: int) -> int:
    """Log the audit to MLflow (--mlflow) and save it in the store (--save), when asked; return the run's exit code.

    The gate is decided (and its conditions named on stderr) before: a store that cannot take the audit (a tracking
    server that is down, a read-only audit store) does not lose it, nor does one keep the other from trying. Each such
    failure is one line on stderr; the exit code is then the gate's 1 when a condition holds (the verdict a pipeline
    must not miss), else 2."""
    failed = False
    for asked, keep in (
        (args.mlflow is not None, lambda: _log_to_mlflow(args, audit)),
        (args.save, lambda: _save(args, audit, model_file)),
    ):
        if not asked:
            continue
        try:
            keep()
        except FairdashError as error:
            failed = True
            gate = "a --fail-on condition holds (above), exit 1" if code == EXIT_FAIL else "no --fail-on condition holds"
            print(f"fairdash: error: {one_line(error)} The audit itself ran; {gate}.", file=sys.stderr)
    return EXIT_BAD_INPUT if failed and code != EXIT_FAIL else code


def _log_to_mlflow(args: argparse.Namespace, audit) -> None:
    """Log the audit to ``--mlflow``'s tracking store and print ``logged to MLflow: run ID in URI``."""
    from fairdash.present.report import audit_html, audit_json
    from fairdash.store.tracking import log_audit

    run_id, uri = log_audit(audit_json(audit), audit_html(audit), tracking_uri=args.mlflow, run_name=args.title)
    print(f"logged to MLflow: run {run_id} in {uri}")


def _print_recourse(recourse) -> None:
    """The recourse by group, as the audit's other tables are printed."""
    from fairdash.present.recourse import recourse_groups_table
    from fairdash.present.text import NO_VERDICT, verdict_word

    print(f"\nrecourse by group ({recourse_rows(recourse)}); distance: {recourse.distance}")
    print(recourse_groups_table(recourse).to_string())
    for name, row in recourse.findings.iterrows():
        if row["undefined"]:
            print(
                f"{name:32s} {'undefined':>9s}  {verdict_word(row, undefined=NO_VERDICT)}  ({undefined_text(row['undefined'])})"
            )
        else:
            verdict = verdict_word(row, loud=True, no_rule=NO_VERDICT)
            print(f"{name:32s} {row['value']:9.3f}  {row['lower']:.3f} - {row['upper']:.3f}  {verdict}")


def _conditions(args: argparse.Namespace, control: tuple[str, ...]) -> list[tuple[str, str, float]]:
    """--fail-on: the disparities' names (and recourse's with --recourse); with --control, ``cdd[GROUP]`` and ``cdd_max``."""
    from fairdash.cli.balance import parse_conditions

    plain = [text for text in args.fail_on if not text.strip().startswith("cdd")]
    return [parse_condition(text, recourse=args.recourse) for text in plain] + parse_conditions(
        [text for text in args.fail_on if text not in plain], (), control=bool(control)
    )


def _check_where_options(args: argparse.Namespace) -> None:
    """--max-conditions and --min-size belong to --subgroups; --min-size is a whole number of rows, 1 or more."""
    if not args.subgroups and (args.max_conditions is not None or args.min_size is not None):
        raise InvalidInputError(
            f"{'--max-conditions' if args.max_conditions is not None else '--min-size'} goes with --subgroups; add it."
        )
    if args.min_size is not None and args.min_size < 1:
        raise InvalidInputError(f"--min-size must be 1 or more; got {args.min_size}.")


def _model(args: argparse.Namespace) -> tuple[ScoreModel | None, StoredFile | None]:
    """The model ``--model`` names (a file, or an MLflow model read from ``--mlflow``'s store or ``MLFLOW_TRACKING_URI``),
    and its file as saved (its SHA-256; its bytes with --keep-files): a file under its own name, an MLflow model's
    under the name its format reopens by (``model.skops``, ``model.pkl``), never its URI."""
    if not args.model:
        return None, None
    from fairdash.store.db import StoredFile
    from fairdash.store.tracking import is_mlflow_model_uri, load_mlflow_model

    if is_mlflow_model_uri(args.model):
        found = load_mlflow_model(
            args.model,
            tracking_uri=args.mlflow or os.environ.get("MLFLOW_TRACKING_URI") or None,
            trust_pickle=args.trust_pickle,
            trusted_types=tuple(args.trust_type),
        )
        return found.model, StoredFile(name=found.file_name, content=found.content)
    model = load_model(args.model, trust_pickle=args.trust_pickle, trusted_types=trusted_types_for(args.model, args.trust_type))
    return model, StoredFile(name=model.name, content=Path(args.model).read_bytes())


def _save(args: argparse.Namespace, audit: Audit, model_file: StoredFile | None) -> None:
    """Keep the audit in the store and print ``saved: ID URL`` (the files' bytes only with --keep-files)."""
    from fairdash.store.db import AuditStore, StoredFile, audit_url
    from fairdash.store.saving import save_audit

    table = StoredFile(name=Path(args.data).name, content=Path(args.data).read_bytes()) if Path(args.data).is_file() else None
    audit_id = save_audit(
        AuditStore(),
        audit,
        title=args.title or audit.data_name,
        source={"kind": "file"},
        table=table,
        model=model_file,
        keep_files=args.keep_files,
        owner=args.owner,
    )
    print(f"saved: {audit_id} {audit_url(audit_id)}")


def _parquet(path: str) -> bool:
    return Path(path).is_dir() or Path(path).suffix.lower() in (".parquet", ".pq")


def _audit_by_engine(args: argparse.Namespace, conditions: list, sensitive: tuple[str, ...], engine: str) -> int:
    """A scores-only audit counted where the table lies (DuckDB or Spark): no row is read into memory."""
    from fairdash.monitor.engines import count_table
    from fairdash.monitor.windows import monitor
    from fairdash.present.monitor_report import engine_audit_html, engine_audit_json

    options = (
        ("--model", args.model),
        ("--thresholds", args.thresholds),
        ("--bins", args.bins),
        ("--calibration", args.calibration),
        ("--subgroups", args.subgroups),
        ("--control", args.control),
        ("--save", args.save),
        ("--mlflow", args.mlflow is not None),
        ("--model-card", args.model_card),
    )
    if any(value for _, value in options):
        given = next(option for option, value in options if value)
        raise InvalidInputError(
            f"{given} needs the rows in memory; an audit counted by the engine takes --score and one --threshold."
        )
    positive = args.positive_label if args.positive_label is not None else "1"
    spec = AuditSpec(target=args.target, positive_label=positive, sensitive=sensitive, reference=args.reference, score=args.score)
    result = monitor(
        count_table(args.data, spec, engine=engine, threshold=args.threshold),
        threshold=args.threshold,
        tolerance=args.tolerance,
        min_group_size=args.min_group_size,
    )
    (window,) = result.windows
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
        print(
            f"fairdash audit of {Path(args.data).name} counted by {engine}: {window.rows:,} rows; target {spec.target} = {positive}; "
            f"groups of {' x '.join(sensitive)}; threshold {result.threshold:g}"
        )
        unknown = int(window.table["unknown"].sum())
        if unknown:
            print(f"warning: {unknown:,} rows have no outcome: they count for the selection rates only")
        print()
        rates = ("selection_rate", "tpr", "fpr", "precision", "accuracy")
        print(for_people(window.table[["count", *rates]], percent_columns=rates).to_string())
        print()
        if window.left_out:
            print(f"left out of the disparities (under {args.min_group_size} rows): {', '.join(window.left_out)}")
        print_findings(window.findings, window.disparity_bounds)
    page = functools.cache(lambda: engine_audit_html(result))
    write_outputs(args, lambda: engine_audit_json(result, data_name=Path(args.data).name), page)
    write_pdf(args, page)
    return gate_exit(window.result, conditions, inconclusive=args.fail_on_inconclusive)


def audit_command(
    spec: AuditSpec,
    *,
    model_file: str | None,
    thresholds: float | dict[str, float],
    tolerance: float = DEFAULT_TOLERANCE,
    min_group_size: int = SMALL_GROUP_SIZE,
    data_file: str = "DATA.csv",
    trusted_types: Sequence[str] = (),
    calibration: bool = False,
    subgroups: bool = False,
    demo: str | None = None,
    control: Sequence[str] = (),
) -> str:
    """The ``python -m fairdash audit`` command for this audit, to paste into a POSIX shell.

    Every value (column names, labels, file names) is quoted with :func:`shlex.quote`, so text from
    the data stays one argument and never runs as shell. Per-group thresholds are named by the file
    the dashboard downloads (``fairdash-thresholds.json``). A model that is not a file (a demo's,
    trained here) is named ``MODEL.skops``: save it with ``skops.io.dump``. ``trusted_types`` are the
    types of a ``.skops`` model the user reviewed and trusted (``--trust-type``, one each). ``calibration`` and
    ``subgroups`` add those parts of the audit (``--calibration``, ``--subgroups``), and ``control`` the rates given those
    columns (``--control``). For a built-in ``demo`` (its
    key), the command is preceded by the ``demo`` command that writes its rows to ``data_file`` (and its model to
    ``MODEL.skops``, which loads without ``--trust-type``): the two lines run as they stand.
    """
    quote = shlex.quote
    parts = [
        "python -m fairdash audit",
        f"--data {quote(data_file)}",
        f"--target {quote(str(spec.target))}",
        f"--positive-label {quote(str(spec.positive_label))}",
        f"--sensitive {quote(','.join(map(str, spec.sensitive)))}",
    ]
    parts += _score_source_parts(spec, model_file, trusted_types)
    if spec.reference is not None:
        parts.append(f"--reference {quote(str(spec.reference))}")
    # Every digit of each edge (repr: the shortest text that reads back as the same float; ':g' made 1234567 1.23457e+06).
    parts += [f"--bins {quote(f'{column}=' + ','.join(repr(float(edge)) for edge in edges))}" for column, edges in spec.bins]
    parts.append(
        "--thresholds fairdash-thresholds.json" if isinstance(thresholds, dict) else f"--threshold {float(thresholds)!r}"
    )
    parts += [
        f"--tolerance {float(tolerance)!r}",
        f"--min-group-size {int(min_group_size)}",
        *(["--calibration"] if calibration else []),
        *(["--subgroups"] if subgroups else []),
        *([f"--control {quote(','.join(map(str, control)))}"] if control else []),
        "--json audit.json --report audit.html",
        f"--fail-on {quote('demographic_parity_ratio<0.8')}",
    ]
    command = " \\\n    ".join(parts)
    if demo is None:
        return command
    writes_model = " --model-out MODEL.skops" if model_file is not None else ""
    return f"python -m fairdash demo {quote(demo)} --out {quote(data_file)}{writes_model}\n{command}"


def _score_source_parts(spec: AuditSpec, model_file: str | None, trusted_types: Sequence[str]) -> list[str]:
    """:func:`audit_command`'s options for where the scores come from: ``--score``, or ``--model`` (with ``--trust-pickle``
    or the trusted types) and the model's ``--features``."""
    from fairdash.intake.models import MODEL_SUFFIXES, PICKLE_SUFFIXES

    quote = shlex.quote
    parts = []
    if model_file is None:
        parts.append(f"--score {quote(str(spec.score))}")
    elif model_file.lower().endswith(MODEL_SUFFIXES):
        parts.append(f"--model {quote(model_file)}" + (" --trust-pickle" if model_file.lower().endswith(PICKLE_SUFFIXES) else ""))
        parts += [f"--trust-type {quote(str(trusted))}" for trusted in trusted_types]
    else:
        parts.append("--model MODEL.skops")
    if model_file is not None and spec.features:
        parts.append(f"--features {quote(','.join(map(str, spec.features)))}")
    return parts
