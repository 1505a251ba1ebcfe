"""``python -m fairdash balance``: the balance of the data between groups, before any model; and the base rates
given a control factor, with the conditional demographic disparity."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from fairdash.engine.conditional import CDD_LARGEST, Conditional, cdd_name, cdd_values
from fairdash.present.sentences import BALANCE_CORRECTION
from fairdash.cli.common import (
    EXIT_FAIL,
    EXIT_PASS,
    bins_option,
    column_list,
    gate_values,
    parse_condition,
    positive_label,
    write_outputs,
)
from fairdash.errors import InvalidInputError, brief

if TYPE_CHECKING:  # the balance's module loads when it runs, not for --help
    from fairdash.engine.balance import DataBalance

__all__ = [
    "BALANCE_NAMES",
    "DESCRIPTION",
    "EPILOG",
    "HELP",
    "add_arguments",
    "conditional_gate",
    "parse_conditions",
    "print_conditional",
    "run",
]

HELP = "the balance of the data between groups, before any model (and given a control factor)"
DESCRIPTION = (
    "Each group's rows, share, base rate and missing values; representation against reference shares; the columns "
    "whose distribution differs between the groups; with --control, the base rates within each stratum and the "
    "conditional demographic disparity (CDD)."
)
BALANCE_NAMES = ("base_rate_difference", "base_rate_ratio")
"""The names ``balance --fail-on`` takes besides the conditional ones (``cdd[GROUP]``, ``cdd_max``, with --control)."""

EPILOG = (
    """examples:
  python -m fairdash balance --data admissions.csv --target admitted --positive-label yes --sensitive sex --control department
  python -m fairdash balance --data adult.csv --target income --positive-label '>50K' --sensitive sex,race \\
      --reference-shares census.json --json balance.json --report balance.html --fail-on 'base_rate_ratio<0.5'

--fail-on names: """
    + ", ".join(BALANCE_NAMES)
    + f"; with --control also {cdd_name('GROUP')} (a group's CDD) and {CDD_LARGEST} "
    "(the largest CDD in absolute value)"
)

_CDD_CONDITION = re.compile(r"^\s*cdd\[(.+)\]\s*(<=|>=|<|>)\s*(\S+)\s*$", re.DOTALL)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``balance``."""
    parser.add_argument("--data", required=True, metavar="FILE", help="the table: CSV or Parquet")
    parser.add_argument("--target", required=True, metavar="COL", help="the column of true outcomes (labels)")
    parser.add_argument(
        "--positive-label", metavar="V", help="the favourable value of the target (default: 1, or the rarer value)"
    )
    parser.add_argument(
        "--sensitive", required=True, metavar="COL[,COL]", help="sensitive attribute(s); several make intersectional groups"
    )
    parser.add_argument(
        "--bins",
        action="append",
        default=[],
        metavar="COL=EDGES",
        help="bands of a numeric sensitive attribute, e.g. age=25,40,65",
    )
    parser.add_argument(
        "--control",
        metavar="COL[,COL]",
        help="a legitimate factor held equal (e.g. department): base rates within each of its strata and the CDD",
    )
    parser.add_argument(
        "--reference-shares",
        metavar="FILE.json",
        help='reference shares of the groups, e.g. census figures: {"sex": {"Female": 0.51, "Male": 0.49}}',
    )
    parser.add_argument("--json", metavar="OUT", help="write the balance as JSON")
    parser.add_argument("--report", metavar="OUT.html", help="write the balance as a self-contained HTML page")
    parser.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="EXPR",
        help="a condition that fails the run, such as 'base_rate_ratio<0.5' or 'cdd[Female]>0.05' (repeatable)",
    )


def parse_conditions(texts: Sequence[str], names: Sequence[str], *, control: bool) -> list[tuple[str, str, float]]:
    """``--fail-on`` conditions over ``names`` and, with a control, ``cdd[GROUP]`` and ``cdd_max``; raises on others."""
    conditions = []
    for text in texts:
        match = _CDD_CONDITION.match(text)
        if match or text.strip().startswith(CDD_LARGEST):
            if not control:
                raise InvalidInputError(f"--fail-on {brief(text)}: the CDD is computed only with --control; add it.")
            if match:
                _, symbol, limit = parse_condition(f"cdd_max{match.group(2)}{match.group(3)}", [CDD_LARGEST])
                conditions.append((cdd_name(match.group(1).strip()), symbol, limit))
                continue
            conditions.append(parse_condition(text, [CDD_LARGEST]))
            continue
        conditions.append(parse_condition(text, tuple(names) + ((CDD_LARGEST,) if control else ())))
    return conditions


def conditional_gate(conditional: Conditional | None, conditions: Sequence[tuple[str, str, float]]) -> list[str]:
    """The conditional conditions that hold (lines for stderr); a ``cdd[GROUP]`` naming no group is bad input."""
    chosen = [condition for condition in conditions if condition[0].startswith("cdd")]
    if not chosen or conditional is None:
        return []
    values = cdd_values(conditional)
    for name, _, _ in chosen:
        if name not in values:
            groups = ", ".join(brief(str(group)) for group in conditional.cdd.index[:10])
            raise InvalidInputError(f"--fail-on {brief(name)}: no such group; the groups are {groups}.")
    return gate_values(values, chosen, why_undefined="no stratum holds two groups with accepted and rejected rows")


def print_conditional(conditional: Conditional) -> None:
    """The rates within strata, the CDD and the sentences, on stdout."""
    from fairdash.present.balance import cdd_table, conditional_sentences, strata_table
    from fairdash.present.text import for_people

    control = " x ".join(map(str, conditional.control))
    print(f"\ngiven {control} ({conditional.rate.replace('_', ' ')} within each stratum [95% exact interval] (rows)):")
    print(strata_table(conditional).to_string())
    for stratum, why in conditional.left_out.items():
        print(f"left out of the CDD: {stratum}: {why}")
    print(for_people(cdd_table(conditional)).to_string())
    for sentence in conditional_sentences(conditional).values():
        print(f"- {sentence}")


def _print_balance(balance: DataBalance, name: str) -> None:
    """The balance of the table ``name`` on stdout: the groups, the base rates' disparities, the representation, the
    likely proxies and the conditional disparity."""
    from fairdash.present.balance import features_table, groups_table, representation_table

    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(
            f"fairdash balance of {name}: {balance.rows:,} rows; target {balance.target} = {balance.positive_label}; "
            f"groups of {' x '.join(balance.sensitive)}\n"
        )
        print(groups_table(balance).to_string())
        (d_low, d_high), (r_low, r_high) = balance.base_rate_intervals["difference"], balance.base_rate_intervals["ratio"]
        print(
            f"\nbase_rate_difference {balance.base_rate_disparities['difference']:.3f}  (95% interval {d_low:.3f} - {d_high:.3f})"
        )
        print(f"base_rate_ratio      {balance.base_rate_disparities['ratio']:.3f}  (95% interval {r_low:.3f} - {r_high:.3f})")
        representation = representation_table(balance)
        if representation is not None:
            print("\nrepresentation against the reference shares:\n" + representation.to_string())
        print(f"\ncolumns whose distribution differs between the groups, likely proxies first ({BALANCE_CORRECTION}):")
        print(features_table(balance).to_string() if len(balance.features) else "(no other column to test)")
        for column, why in balance.skipped.items():
            print(f"not tested: {column}: {why}")
        if balance.conditional is not None:
            print_conditional(balance.conditional)


def run(args: argparse.Namespace) -> int:
    """Compute, print, write, gate: 0, or 1 when a --fail-on condition holds."""
    from fairdash.engine.balance import data_balance, read_reference_shares
    from fairdash.intake.tables import read_table
    from fairdash.present.balance import balance_html, balance_json

    control = column_list(args.control or "")
    if args.control is not None and not control:
        raise InvalidInputError("--control names no column; give one, e.g. --control department.")
    conditions = parse_conditions(args.fail_on, BALANCE_NAMES, control=bool(control))
    shares = read_reference_shares(args.reference_shares) if args.reference_shares else None
    table = read_table(args.data)
    positive = positive_label(table, args.target, args.positive_label)
    balance = data_balance(
        table,
        target=args.target,
        positive_label=positive,
        sensitive=column_list(args.sensitive),
        bins=bins_option(args.bins),
        control=control,
        reference_shares=shares,
    )
    name = Path(args.data).name
    _print_balance(balance, name)
    write_outputs(args, lambda: balance_json(balance, data_name=name), lambda: balance_html(balance, data_name=name))
    values = {
        "base_rate_difference": balance.base_rate_disparities["difference"],
        "base_rate_ratio": balance.base_rate_disparities["ratio"],
    }
    failed = gate_values(
        values, [c for c in conditions if not c[0].startswith("cdd")], why_undefined="fewer than two groups have a base rate"
    )
    failed += conditional_gate(balance.conditional, conditions)
    for line in failed:
        print(line, file=sys.stderr)
    return EXIT_FAIL if failed else EXIT_PASS
