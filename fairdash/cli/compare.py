"""``python -m fairdash compare``: two audits side by side, as a release gate on what got worse.

    python -m fairdash compare LAST_RELEASE_ID audit.json --json comparison.json \\
        --fail-on 'demographic_parity_difference_change>0.05'

Each audit is a saved audit's id (``audit --save``) or the JSON file ``audit --json`` wrote; the first is the
before. Exit codes as for ``audit``: a ``--fail-on`` on a change that is undefined holds (the gate fails closed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from fairdash.cli.common import CHANGE_NAMES, EXIT_FAIL, EXIT_PASS, gate_values, one_line, parse_condition
from fairdash.errors import InvalidInputError, brief
from fairdash.present.comparison import comparison_table
from fairdash.present.sentences import comparison_notes
from fairdash.store.db import AuditStore, NoSuchAuditError, valid_audit_id

__all__ = ["HELP", "DESCRIPTION", "EPILOG", "add_arguments", "run", "load_audit_document"]

HELP = "compare two audits (saved ids or JSON files); exit 1 when a --fail-on change condition holds"
DESCRIPTION = (
    "Each disparity and group rate of two audits of the same target and groups, side by side: the change; the pair "
    "of groups whose gap changed the most, that change and its simultaneous 95% interval; whether it is beyond "
    "chance (the monitor's change test, over every pair of groups)."
)
EPILOG = """examples:
  python -m fairdash compare Bz3kq2Xo8s9Lr0Tn4Yv7Wm1P new-audit.json --fail-on 'demographic_parity_difference_change>0.05'
  python -m fairdash compare last.json this.json --json comparison.json

--fail-on names: """ + ", ".join(CHANGE_NAMES)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``compare``."""
    parser.add_argument("before", metavar="ID_OR_JSON", help="the earlier audit: a saved audit's id or an audit's JSON file")
    parser.add_argument("after", metavar="ID_OR_JSON", help="the later audit, likewise")
    parser.add_argument("--json", metavar="OUT", help="write the comparison as JSON")
    parser.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="EXPR",
        help="a condition on a change that fails the run, such as 'demographic_parity_difference_change>0.05' (repeatable)",
    )


def load_audit_document(reference: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """An audit's JSON and what names it (``{"id", "title"}`` or ``{"file"}``), from a JSON file or a saved audit's id;
    its shape checked (:func:`fairdash.engine.compare.read_audit_document`), so a file that is not an audit is bad input."""
    from fairdash.engine.compare import read_audit_document

    path = Path(reference)
    if path.is_file():
        try:
            content = path.read_bytes()
        except OSError as error:
            raise InvalidInputError(f"Cannot read {brief(reference)}: {error.strerror or error}.") from None
        return read_audit_document(content, name=brief(path.name)), {"file": path.name}
    if not valid_audit_id(reference):
        raise InvalidInputError(f"no such audit or file: {brief(reference)}")
    store = AuditStore()
    try:
        saved = store.get(reference)
    except NoSuchAuditError:
        raise InvalidInputError(f"no such audit or file: {brief(reference)}") from None
    from fairdash.store.saving import saved_audit_json

    return read_audit_document(saved_audit_json(store, reference), name=f"The saved audit {reference}"), {
        "id": saved.id,
        "title": saved.title,
    }


def run(args: argparse.Namespace) -> int:
    """Compare, print the table, write ``--json``, and gate."""
    from fairdash.engine.compare import compare_audits
    from fairdash.present.comparison import comparison_json
    from fairdash.present.document import json_text

    conditions = [parse_condition(text, CHANGE_NAMES) for text in args.fail_on]
    if args.json and any(Path(args.json).resolve() == Path(side).resolve() for side in (args.before, args.after)):
        raise InvalidInputError(f"--json {brief(args.json)} is one of the audits compared: it would be overwritten.")
    (before, before_label), (after, after_label) = load_audit_document(args.before), load_audit_document(args.after)
    comparison = compare_audits(before, after, before_label=before_label, after_label=after_label)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(f"fairdash compare: {_name(comparison.before)} (before) -> {_name(comparison.after)} (after)")
        print(comparison_table(comparison).to_string())  # as the Saved audits page shows it: undefined in words
        for note in comparison_notes(comparison.notes):
            print(f"note: {note}")
    if args.json:
        try:
            Path(args.json).write_text(json_text(comparison_json(comparison)), encoding="utf-8")
        except OSError as error:
            raise InvalidInputError(f"Cannot write {brief(args.json)}: {error.strerror or error}.") from None
        print(f"wrote {args.json}")
    changes = {f"{name}_change": row["change"] for name, row in comparison.disparities.iterrows()}
    failed = gate_values(changes, conditions, why_undefined="the disparity is undefined in one of the audits")
    for line in failed:
        print(line, file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_PASS


def _name(label: dict[str, Any]) -> str:
    return one_line(label.get("title") or label.get("file") or label.get("data") or "audit")
