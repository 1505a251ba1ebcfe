"""Write a synthetic decision log of any size, with a drift planted at a known window.

    .venv/bin/python scripts/generate_log.py --rows 100000000 --out /tmp/log   # a folder of Parquet files
    .venv/bin/python scripts/generate_log.py --rows 50000 --out log.csv

Columns: time, group (a/b/c), score, outcome (empty for most rows of the last two months: not known
yet). From --drift-month on (0-based; default 12 of 24, i.e. 2025-01), group b's scores drop by 0.15,
so `python -m fairdash monitor` should alert at that window and not before. Written in chunks of
--chunk rows, so memory stays bounded whatever --rows is (a folder gets one Parquet file per chunk).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fairdash.monitor.logs import synthetic_log  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", required=True, help="a .csv or .parquet file, or a folder (Parquet files)")
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--drift-month", type=int, default=12, help="-1 for no drift")
    parser.add_argument("--chunk", type=int, default=5_000_000)
    args = parser.parse_args()
    out = Path(args.out)
    drift = None if args.drift_month < 0 else args.drift_month
    if out.suffix.lower() in (".csv", ".parquet"):
        log = synthetic_log(args.rows, months=args.months, drift_month=drift)
        log.to_csv(out, index=False) if out.suffix.lower() == ".csv" else log.to_parquet(out, index=False)
    else:
        out.mkdir(parents=True, exist_ok=True)
        written = 0
        for part in range((args.rows + args.chunk - 1) // args.chunk):
            rows = min(args.chunk, args.rows - written)
            synthetic_log(rows, months=args.months, drift_month=drift, random_state=part).to_parquet(
                out / f"part-{part:05d}.parquet", index=False
            )
            written += rows
    print(f"wrote {args.rows:,} rows to {out}")


if __name__ == "__main__":
    main()
