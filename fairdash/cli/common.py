"""What the command line's subcommands share: the ``--fail-on`` gate, exit codes, option parsing, outputs."""

from __future__ import annotations

import argparse
import math
import operator
import re
import sys
import unicodedata
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pandas as pd

from fairdash.engine.findings import HEADLINE
from fairdash.engine.metrics import DISPARITY_NAMES, undefined_reason
from fairdash.engine.result import AuditResult
from fairdash.engine.spec import default_positive_label, parse_bins, resolve_label
from fairdash.engine.thresholds import check_threshold
from fairdash.errors import InvalidInputError, brief
from fairdash.intake.json_files import read_json_file
from fairdash.explain.recourse import RECOURSE_NAMES, Recourse
from fairdash.present.sentences import calibration_notes, subgroups_correction, undefined_text

__all__ = [
    "ArgumentTable",
    "add_argument_table",
    "EXIT_PASS",
    "EXIT_FAIL",
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "CHANGE_NAMES",
    "parse_condition",
    "gate",
    "gate_values",
    "gate_exit",
    "bins_option",
    "thresholds_from_file",
    "positive_label",
    "column_list",
    "model_features",
    "print_findings",
    "inconclusive_findings",
    "print_where_unfair",
    "write_outputs",
    "check_outputs",
    "one_line",
    "trusted_types_for",
    "add_pdf_arguments",
    "check_pdf",
    "write_pdf",
]

EXIT_PASS, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
_OPERATORS = {"<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
_CONDITION = re.compile(r"^\s*([a-z_]+)\s*(<=|>=|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


CHANGE_NAMES = tuple(f"{name}_change" for name in DISPARITY_NAMES)
"""The names ``compare``'s ``--fail-on`` takes: a disparity's change from the first audit to the second."""


def parse_condition(text: str, names: Sequence[str] = DISPARITY_NAMES, *, recourse: bool = False) -> tuple[str, str, float]:
    """``"demographic_parity_ratio<0.8"`` -> ``("demographic_parity_ratio", "<", 0.8)``; raises on anything else.

    ``names`` are the names allowed (``compare`` passes :data:`CHANGE_NAMES`, such as ``demographic_parity_difference_change``);
    with ``recourse`` (``audit --recourse``), the recourse names (:data:`fairdash.explain.recourse.RECOURSE_NAMES`) too."""
    match = _CONDITION.match(text)
    if not match:
        example = "demographic_parity_ratio<0.8" if tuple(names) == DISPARITY_NAMES else f"{names[0]}>0.05"
        raise InvalidInputError(f"--fail-on {text!r} is not NAME<VALUE (or <=, >, >=), e.g. '{example}'.")
    name, symbol, value = match.groups()
    if name in RECOURSE_NAMES and not recourse:
        raise InvalidInputError(f"--fail-on {text!r}: {name} is computed only with --recourse; add it (audit --recourse).")
    names = tuple(names) + (RECOURSE_NAMES if recourse else ())
    if name not in names:
        raise InvalidInputError(f"--fail-on {text!r}: unknown name {name!r}; use one of {', '.join(names)}.")
    limit = float(value)
    if not math.isfinite(limit):
        raise InvalidInputError(f"--fail-on {text!r}: the limit must be a finite number.")
    return name, symbol, limit


def gate(
    disparities: dict[str, Any],
    conditions: Sequence[tuple[str, str, float]],
    table: pd.DataFrame,
    *,
    recourse: Recourse | None = None,
) -> list[str]:
    """The ``--fail-on`` conditions that hold, each as a line for stderr.

    A condition on an undefined disparity holds (the gate fails closed), with the reason it is undefined; so does one
    on a recourse disparity when the recourse was not computed.
    """
    failed = []
    for condition in conditions:
        value, why = _gated_value(condition[0], disparities, table, recourse)
        failed += gate_values({condition[0]: value}, [condition], why_undefined=why)
    return failed


def _gated_value(
    name: str, disparities: dict[str, Any], table: pd.DataFrame, recourse: Recourse | None
) -> tuple[float | None, Callable[[], str]]:
    """The value a condition is on, and why it is undefined (asked only when it is)."""
    if name not in RECOURSE_NAMES:
        return disparities[name], lambda: undefined_text(undefined_reason(table, name)) or "undefined"
    if recourse is None:
        return None, lambda: "the recourse was not computed"
    return recourse.disparities[name], lambda: str(undefined_text(recourse.findings.loc[name, "undefined"]))


def gate_values(
    values: Mapping[str, Any], conditions: Sequence[tuple[str, str, float]], *, why_undefined: str | Callable[[], str] = ""
) -> list[str]:
    """The conditions that hold on ``values`` (name -> number), each as a line for stderr; one on an undefined
    value (None, NaN, infinite or absent) holds, with ``why_undefined`` (for an infinite value, that it is not a finite
    number): the gate fails closed. A change is shown with its sign."""
    failed = []
    for name, symbol, limit in conditions:
        value = values.get(name)
        if value is None or not math.isfinite(value):
            why = (
                f"it is {value:+}, not a finite number"
                if value is not None and value == value
                else why_undefined()
                if callable(why_undefined)
                else why_undefined
            )
            failed.append(
                f"FAILED: {name}{symbol}{limit:g}: {name} is undefined{' (' + why + ')' if why else ''}, "
                "so the condition cannot be shown not to hold"
            )
        elif _OPERATORS[symbol](value, limit):
            shown = f"{value:+.4f}" if name.endswith("_change") else f"{value:.4f}"
            failed.append(f"FAILED: {name} = {shown}, which is {symbol} {limit:g}")
    return failed


def inconclusive_findings(result: AuditResult) -> list[str]:
    """``--fail-on-inconclusive``: each headline finding (:data:`fairdash.engine.findings.HEADLINE`) whose interval
    crosses its rule's bar, as a line for stderr; an undefined one too (it cannot be shown conclusive: the gate
    fails closed)."""
    from fairdash.present.text import verdict_text

    failed = []
    for name in HEADLINE:
        finding = result.findings.loc[name]
        low, high = result.intervals.disparities.loc[name, ["lower", "upper"]]
        if finding["undefined"]:
            failed.append(
                f"FAILED: {name} is undefined ({undefined_text(finding['undefined'])}), so it cannot be shown conclusive"
            )
        elif finding["conclusive"] is False:
            failed.append(
                f"FAILED: {name} = {finding['value']:.4f}, {verdict_text(finding)}: its 95% interval is {low:.4f} to {high:.4f}"
            )
    return failed


def gate_exit(
    result: AuditResult,
    conditions: Sequence[tuple[str, str, float]],
    *,
    where: str = "",
    recourse: Recourse | None = None,
    inconclusive: bool = False,
) -> int:
    """The exit code of a run: each --fail-on condition that holds on stderr (with ``inconclusive``, each headline
    finding its interval does not support, see :func:`inconclusive_findings`), then 1; else 0."""
    failed = gate(result.disparities, conditions, result.judged, recourse=recourse)
    failed += inconclusive_findings(result) if inconclusive else []
    for line in failed:
        print(f"{line}{where}", file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_PASS


def bins_option(entries: Sequence[str]) -> tuple[tuple[str, tuple[float, ...]], ...]:
    """``["age=25,40,65"]`` -> ``(("age", (25.0, 40.0, 65.0)),)``."""
    bins: list[tuple[str, tuple[float, ...]]] = []
    for entry in entries:
        column, equals, edges = entry.partition("=")
        if not equals or not column.strip():
            raise InvalidInputError(f"--bins {brief(entry)} is not COLUMN=EDGES, e.g. age=25,40,65.")
        if column.strip() in dict(bins):
            raise InvalidInputError(f"--bins names {brief(column.strip())} twice; give each column's edges once.")
        bins.append((column.strip(), parse_bins(edges, column.strip())))
    return tuple(bins)


def thresholds_from_file(path: str) -> float | dict[str, float]:
    shown = brief(path)
    content = read_json_file(path, option="--thresholds")
    value = content.get("thresholds", content) if isinstance(content, dict) else content
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return check_threshold(value)
    if isinstance(value, dict) and value and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values()):
        return {str(k): check_threshold(v) for k, v in value.items()}
    raise InvalidInputError(f"--thresholds {shown} must hold a number or {{group: number}} (or the dashboard's download).")


def positive_label(table: pd.DataFrame, target: str, given: str | None):
    """The positive label: the value of the target column that ``given`` names, else a usual or the rarer value."""
    if target not in table.columns:
        raise InvalidInputError(
            f"The table has no target column {target!r}; its columns are {', '.join(map(str, table.columns))}."
        )
    return resolve_label(table[target], given) if given is not None else default_positive_label(table[target])


def column_list(text: str) -> tuple[str, ...]:
    """Comma-separated column names, as --sensitive and --features take them."""
    return tuple(column.strip() for column in text.split(",") if column.strip())


def model_features(args: argparse.Namespace, model: Any, table: pd.DataFrame) -> tuple[str, ...]:
    """--features, else the model's own feature names, else (with a model) every column but the target."""
    features = column_list(args.features) if args.features else (model.feature_names or () if model is not None else ())
    return features or (tuple(column for column in table.columns if column != args.target) if model is not None else ())


def print_findings(findings: pd.DataFrame, bounds: pd.DataFrame) -> None:
    """Each disparity with its interval and verdict, one line each."""
    from fairdash.present.text import NO_VERDICT, inconclusive_note, verdict_word

    print(f"{'disparity':32s} {'value':>9s}  {'95% interval':13s}  verdict")
    for name, row in findings.to_dict("index").items():
        low, high = bounds.loc[name, ["lower", "upper"]]
        interval = "" if math.isnan(low) else f"{low:.3f} - {high:.3f}"
        if row["undefined"]:
            print(
                f"{name:32s} {'undefined':>9s}  {interval:13s}  {verdict_word(row, undefined=NO_VERDICT)}  ({undefined_text(row['undefined'])})"
            )
            continue
        verdict = verdict_word(row, loud=True)
        rule = f" ({row['rule']})" if row["rule"] else ""
        note = inconclusive_note(row)
        print(f"{name:32s} {row['value']:9.3f}  {interval:13s}  {verdict:4s}{rule}{'  ' + note if note else ''}")


def print_where_unfair(audit: Any, *, shown: int = 10) -> None:
    """An audit's calibration, criteria conflict and best subgroups (those it computed), a few lines each."""
    from fairdash.present.sentences import conflict_sentences
    from fairdash.present.where_unfair import calibration_table, gap_text, observed_by_value, subgroups_table

    if audit.calibration is not None:
        print(f"\ncalibration within groups ({audit.calibration.bins} bins):")
        if audit.calibration.bins == "score values":
            print(observed_by_value(audit.calibration).to_string())
        print(calibration_table(audit.calibration).to_string())
        for note in calibration_notes(audit.calibration):
            print(f"note: {note}")
        print(gap_text(audit.calibration))
    if audit.conflict is not None:
        print("\nwhy the criteria conflict:")
        for sentence in conflict_sentences(audit.conflict):
            print(f"- {sentence}")
    if audit.subgroups is not None:
        search = audit.subgroups
        print(
            f"\nsubgroups: {search.tested:,} tested; {search.passing:,} of {search.tests:,} gaps pass the corrected threshold; "
            f"{subgroups_correction(search)}"
        )
        for column, why in search.skipped.items():
            print(f"left out of the search: {column}: {why}")
        print(subgroups_table(search.results.head(shown)).to_string())


def write_outputs(args: argparse.Namespace, document: Callable[[], Any], page: Callable[[], str]) -> None:
    """Write ``--json`` (the document, as JSON any parser reads) and ``--report`` (the HTML page) when asked."""
    from fairdash.present.document import json_text

    for path, text in ((args.json, lambda: json_text(document())), (args.report, page)):
        if path:
            try:
                Path(path).write_text(text(), encoding="utf-8")
            except OSError as error:  # the error of a failed write may name no file: name it here
                raise InvalidInputError(f"Cannot write {brief(path)}: {error.strerror or error}.") from None
            print(f"wrote {path}")


def check_outputs(args: argparse.Namespace) -> None:
    """Refuse an output (--json, --report, --pdf, --model-card) that names an input file or another output: it would be
    overwritten."""
    seen: dict[Path, str] = {}
    for name in ("data", "train", "model", "other_model", "thresholds", "reference_shares"):
        path = getattr(args, name, None)
        if path and not str(path).startswith("duckdb:"):
            seen[Path(path).resolve()] = f"--{name.replace('_', '-')}"
    for option in ("json", "report", "pdf", "model_card"):
        path = getattr(args, option, None)
        if not path:
            continue
        resolved = Path(path).resolve()
        flag = f"--{option.replace('_', '-')}"
        if resolved in seen:
            raise InvalidInputError(
                f"{flag} {brief(path)} is the file given to {seen[resolved]}: it would be overwritten. "
                "Write the output to another file."
            )
        seen[resolved] = flag


def one_line(text: Any) -> str:
    """``text`` on one line for a terminal: whitespace runs as one space, control characters (an escape sequence in a
    title from the data) as spaces, so nothing printed can move the cursor, retitle the window or clear the screen."""
    shown = "".join(" " if unicodedata.category(character).startswith("C") else character for character in str(text))
    return " ".join(shown.split())


def trusted_types_for(path: str, given: Sequence[str]) -> tuple[str, ...]:
    """The skops types to trust in the model file at ``path``: those given (``--trust-type``), and, when the file is
    byte for byte a demo model this fairdash ships (by its SHA-256), that model's known types: ``demo --model-out``'s
    file loads without asking."""
    from fairdash.engine.demo import shipped_model_types

    return (*given, *shipped_model_types(path))


ArgumentTable = tuple[tuple[tuple[str, ...], dict[str, Any]], ...]
"""Command-line arguments as data: each one's flags and the keywords of ``add_argument``, in the order ``--help`` lists them."""


def add_argument_table(parser: argparse._ActionsContainer, table: ArgumentTable) -> None:
    """Add each argument of ``table`` to ``parser`` (or to one of its groups), in order."""
    for flags, keywords in table:
        parser.add_argument(*flags, **keywords)


def add_pdf_arguments(parser: argparse.ArgumentParser) -> None:
    """``--pdf OUT.pdf`` and ``--paper``: the HTML report printed as a PDF by Chromium (:mod:`fairdash.present.pdf`)."""
    parser.add_argument(
        "--pdf",
        metavar="OUT.pdf",
        help="also write the report as a paginated PDF (e.g. audit.pdf), printed by headless Chromium without network",
    )
    parser.add_argument(
        "--paper",
        choices=["a4", "letter"],
        default=None,
        help="the PDF's paper size (default: Letter where the locale's country uses it, such as en_US; else A4)",
    )


def check_pdf(args: argparse.Namespace) -> None:
    """With ``--pdf``: Chromium is there (else one line naming ``apt-get install chromium``: exit 2, before any work);
    ``--paper`` without ``--pdf`` is refused."""
    from fairdash.present.pdf import find_chromium

    if getattr(args, "paper", None) is not None and not getattr(args, "pdf", None):
        raise InvalidInputError("--paper goes with --pdf, which was not given.")
    if getattr(args, "pdf", None):
        find_chromium()


def write_pdf(args: argparse.Namespace, page: Callable[[], str]) -> None:
    """Print the HTML ``page()`` to ``--pdf`` when asked (on ``--paper``, else the locale's): whole or not at all."""
    if not getattr(args, "pdf", None):
        return
    from fairdash.present.pdf import default_paper, html_to_pdf

    html_to_pdf(page(), args.pdf, paper=args.paper or default_paper())
    print(f"wrote {args.pdf}")
