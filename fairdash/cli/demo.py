"""``python -m fairdash demo``: a built-in demo's rows (and its model's training rows, and its model) written to files."""

from __future__ import annotations

import argparse
from pathlib import Path

from fairdash.engine.demo import DEMO_TITLES, demo_model_bytes, load_demo
from fairdash.cli.common import EXIT_PASS
from fairdash.errors import InvalidInputError, brief

__all__ = ["HELP", "add_arguments", "run"]

HELP = "write a built-in demo's data (and its model) to files"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``demo``."""
    parser.add_argument("name", choices=list(DEMO_TITLES), help="which demo")
    parser.add_argument("--out", required=True, metavar="FILE", help="where to write it (.csv or .parquet)")
    parser.add_argument("--train-out", metavar="FILE", help="also write the rows its model was trained on (.csv or .parquet)")
    parser.add_argument(
        "--model-out",
        metavar="FILE",
        help="also write its model (.skops), which audit --model then loads without --trust-type (adult, german)",
    )


def run(args: argparse.Namespace) -> int:
    demo = load_demo(args.name)
    if (args.train_out or args.model_out) and demo.model is None:
        raise InvalidInputError(
            f"The {args.name} demo has no model (its score is a column), so no "
            f"{'training rows' if args.train_out else 'model file'}."
        )
    if args.model_out and not args.model_out.lower().endswith(".skops"):
        raise InvalidInputError(
            f"--model-out {brief(args.model_out)}: the demo's model is written as skops; name the file .skops."
        )
    for data, out, what in ((demo.data, args.out, "rows"), (demo.train, args.train_out, "training rows")):
        if out is None or data is None:  # a demo without a model has no training rows (refused above)
            continue
        out = Path(out)
        if out.suffix.lower() in (".parquet", ".pq"):
            data.to_parquet(out, index=False)
        else:
            data.to_csv(out, index=False)
        print(f"wrote {len(data):,} {what} of the {args.name} demo to {out}")
    if args.model_out:
        Path(args.model_out).write_bytes(demo_model_bytes(args.name))
        print(f"wrote the {args.name} demo's model to {args.model_out}")
    return EXIT_PASS
