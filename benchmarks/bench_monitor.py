"""Speed and size of the monitor (fairness over time), on generated logs with a planted drift.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_monitor.py [--big-rows 100000000] [--folder /tmp/fairdash-log]

1. 10,000,000 rows in one Parquet file: the counts per (month, group, outcome, score bin) through
   DuckDB (fairdash.monitor.engines.count_log) against the same counts with pandas (read the file, bin the
   score, group by), median of 3. Goal: DuckDB at least 5x faster.
2. --big-rows rows (default 100,000,000) in a folder of Parquet files: `python -m fairdash monitor` in a
   child process, its time and peak memory (ru_maxrss). Goal: under 2 GiB. The planted drift's window.
3. A threshold move (fairdash.monitor.windows.monitor on counts already made) at 100,000 rows and at --big-rows
   rows. Goal: within 2x (the move re-reads no row).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from timing import median_seconds  # noqa: E402

from fairdash.engine.score_bins import score_grid  # noqa: E402
from fairdash.monitor.engines import MonitorSpec, count_log  # noqa: E402
from fairdash.monitor.logs import synthetic_log  # noqa: E402
from fairdash.monitor.windows import monitor  # noqa: E402

SPEC = MonitorSpec(time="time", target="outcome", positive_label=1, sensitive=("group",), score="score")


def pandas_counts(path: Path) -> pd.Series:
    log = pd.read_parquet(path)
    start, step, points, _ = score_grid(log["score"].min(), log["score"].max())  # the same grid as ours, open at both ends
    bins = np.clip(np.floor((log["score"].to_numpy() - start) / step + 1e-7) + 1, 0, points).astype(np.int32)
    month = log["time"].dt.to_period("M")
    return log.groupby([month, log["group"], log["outcome"].astype("string"), bins], dropna=False).size()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--big-rows", type=int, default=100_000_000)
    parser.add_argument("--folder", default=None, help="where to write the big log (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        single = Path(scratch) / "log.parquet"
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "generate_log.py"), "--rows", str(args.rows), "--out", str(single)],
            check=True,
        )
        ours = median_seconds(lambda: count_log(single, SPEC))
        theirs = median_seconds(lambda: pandas_counts(single))
        assert int(pandas_counts(single).sum()) == int(count_log(single, SPEC).cells.sum())
        print(f"1. counts of {args.rows:,} rows (one Parquet file), median of 3")
        print(f"   DuckDB (count_log)  {ours:6.2f} s")
        print(f"   pandas              {theirs:6.2f} s   DuckDB is {theirs / ours:.1f}x faster (goal >= 5x)")

        folder = Path(args.folder or Path(scratch) / "big")
        if not (folder.exists() and any(folder.glob("*.parquet"))):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, str(ROOT / "scripts" / "generate_log.py"), "--rows", str(args.big_rows), "--out", str(folder)],
                check=True,
            )
            print(
                f"\n   (generated {args.big_rows:,} rows in {time.perf_counter() - start:.0f} s, "
                f"{sum(f.stat().st_size for f in folder.glob('*.parquet')) / 2**30:.1f} GiB of Parquet)"
            )
        start = time.perf_counter()
        # The child reports its own peak (ru_maxrss of RUSAGE_CHILDREN would also count the generator).
        command = (
            "import resource, sys; from fairdash.cli import main; code = main(sys.argv[1:]); "
            "print(f'peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}'); sys.exit(code)"
        )
        run = subprocess.run(
            [
                sys.executable,
                "-c",
                command,
                "monitor",
                "--data",
                str(folder),
                "--time",
                "time",
                "--target",
                "outcome",
                "--sensitive",
                "group",
                "--score",
                "score",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        seconds = time.perf_counter() - start
        peak = int(run.stdout.rsplit("peak ", 1)[1].split()[0]) / 2**20  # KiB -> GiB
        first_alert = next((line for line in run.stdout.splitlines() if line.startswith("alert:")), "no alert")
        print(
            f"\n2. python -m fairdash monitor on {args.big_rows:,} rows (a folder of Parquet files): exit {run.returncode}, "
            f"{seconds:.0f} s, peak memory {peak:.2f} GiB (goal < 2 GiB)"
        )
        print(f"   first alert: {first_alert}")

        small_counts = count_log(synthetic_log(100_000), SPEC)
        big_counts = count_log(folder, SPEC)
        small = median_seconds(lambda: monitor(small_counts, threshold=0.55), repeat=5)
        big = median_seconds(lambda: monitor(big_counts, threshold=0.55), repeat=5)
        print("\n3. a threshold move (monitor on counts), median of 5")
        print(f"   100,000 rows        {small * 1e3:7.0f} ms")
        print(f"   {args.big_rows:,} rows {big * 1e3:7.0f} ms   ratio {big / small:.2f}x (goal within 2x)")


if __name__ == "__main__":
    main()
