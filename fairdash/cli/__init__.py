"""The audit from the command line, for release pipelines.

    python -m fairdash audit --data test.csv --target income --sensitive sex,race --model model.skops \\
        --positive-label '>50K' --fail-on 'demographic_parity_ratio<0.8' --json audit.json --report audit.html
    python -m fairdash demo adult --out adult.csv
    fairdash dashboard --port 8501        (the console script, as pip installs it, is the same command line)

Exit codes: 0 the audit ran and no ``--fail-on`` condition holds; 1 a condition holds (each one that
does is named on stderr; a condition on an undefined disparity holds too: the gate fails closed, with
the reason); 2 bad input, with a one-line reason and no traceback; 3 an internal error (a bug in
fairdash, never read as "unfair").

Each subcommand is a module of this package with ``HELP``, ``add_arguments(parser)`` and ``run(args) -> exit
code``, listed once in :data:`COMMANDS`; what they share (the gate, outputs, options) is :mod:`fairdash.cli.common`.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from importlib import metadata
from pathlib import Path
from typing import Sequence

from fairdash.cli import (
    audit,
    audits,
    balance,
    bias_audit,
    compare,
    counterfactuals,
    dashboard,
    demo,
    fixes,
    monitor,
)
from fairdash.cli.audit import audit_command
from fairdash.cli.common import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_PASS,
    check_outputs,
    column_list,
    gate,
    parse_condition,
)
from fairdash.errors import FairdashError, brief

__all__ = ["COMMANDS", "build_parser", "main", "version", "audit_command", "gate", "parse_condition"]

COMMANDS = {
    "audit": audit,
    "balance": balance,
    "bias-audit": bias_audit,
    "audits": audits,
    "compare": compare,
    "counterfactuals": counterfactuals,
    "fixes": fixes,
    "monitor": monitor,
    "demo": demo,
    "dashboard": dashboard,
}
"""Each subcommand's name and its module, in the order ``--help`` lists them."""

WRITES_NOTHING_FROM_INPUTS = ("demo", "audits", "compare", "dashboard")  # compare checks its own --json
"""Subcommands whose outputs cannot overwrite an input (they read no file of the user's)."""


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``python -m fairdash``: one subcommand per module of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="fairdash" if Path(sys.argv[0]).name == "fairdash" else "python -m fairdash",
        description="Fairness audits of binary classifiers.",
        epilog=audit.EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fairdash {version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        module.add_arguments(
            commands.add_parser(
                name,
                help=module.HELP,
                description=getattr(module, "DESCRIPTION", None),
                epilog=getattr(module, "EPILOG", None),
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 pass, 1 a condition holds, 2 bad input, 3 internal error)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        sensitive = column_list(getattr(args, "sensitive", None) or "")
        repeated = [column for column in dict.fromkeys(sensitive) if sensitive.count(column) > 1]
        if repeated:  # an argument error, told as argparse tells one, before any file is read
            parser.error(f"--sensitive names {brief(repeated[0])} twice; name each sensitive column once")
    except SystemExit as exit_:  # argparse: --help (0) or a usage error (2, already explained on stderr)
        return EXIT_PASS if exit_.code in (0, None) else EXIT_BAD_INPUT
    try:
        if args.command not in WRITES_NOTHING_FROM_INPUTS:
            check_outputs(args)
        return COMMANDS[args.command].run(args)
    except FairdashError as error:
        print(f"fairdash: error: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:  # an output path that cannot be written
        print(f"fairdash: error: {error.strerror or error}: {brief(error.filename or '')}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception:  # a bug in fairdash: never exit 1, which a pipeline reads as "a condition holds"
        traceback.print_exc()
        print(
            "fairdash: internal error (a bug in fairdash, not a verdict on the model); please report it with the traceback above",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def version() -> str:
    """The installed fairdash's version (pyproject.toml says it, once), or ``unknown`` in a folder never installed."""
    try:
        return metadata.version("fairdash")
    except metadata.PackageNotFoundError:
        return "unknown"


def _one_line(message: str, limit: int = 500) -> str:
    line = " ".join(message.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
