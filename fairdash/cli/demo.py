"""``python -m fairdash demo``: a built-in demo's rows (and its model's training rows) written to a file."""

from __future__ import annotations

import argparse
from pathlib import Path

from fairdash.cli.common import EXIT_PASS
from fairdash.errors import InvalidInputError
from fairdash.intake.demo import DEMO_TITLES, load_demo

__all__ = ["HELP", "add_arguments", "run"]

HELP = "write a built-in demo's data to a file"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``demo``."""
    parser.add_argument("name", choices=list(DEMO_TITLES), help="which demo")
    parser.add_argument("--out", required=True, metavar="FILE", help="where to write it (.csv or .parquet)")
    parser.add_argument("--train-out", metavar="FILE", help="also write the rows its model was trained on (.csv or .parquet)")


def run(args: argparse.Namespace) -> int:
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
