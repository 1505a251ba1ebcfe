"""Train the demo models and write them to ``assets/models/`` as ``.skops`` files, byte for byte the same on every run.

Run by a developer when a demo's model, its data or the pinned scikit-learn changes (the file's name holds
scikit-learn's version; a version without its file trains the model at first use instead):

    OMP_NUM_THREADS=1 .venv/bin/python scripts/build_demo_models.py           # write the files
    OMP_NUM_THREADS=1 .venv/bin/python scripts/build_demo_models.py --check   # exit 1 if a shipped file differs

``skops.io.dumps`` alone is not reproducible: it names each array file and each node by the object's
``id()`` in memory, and stamps every zip entry with the current time. :func:`canonical_skops` renumbers
those ids in the order the schema meets them (the same renumbering everywhere, so shared objects stay
shared), stamps every entry 1980-01-01, and deflates the entries (the arrays compress well).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fairdash.engine.demo import DEMO_MODELS, demo_model_file, train_demo_model  # noqa: E402

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can hold


def _renumber(node: Any, ids: dict[int, int]) -> Any:
    """``node`` with every ``__id__`` and array file name renumbered through ``ids`` (filled as met)."""
    if isinstance(node, list):
        return [_renumber(item, ids) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "__id__":
            value = ids.setdefault(int(value), len(ids))
        elif key == "file" and isinstance(value, str) and value.endswith(".npy"):
            value = f"{ids.setdefault(int(value[:-4]), len(ids))}.npy"
        out[key] = _renumber(value, ids)
    return out


def canonical_skops(estimator: Any) -> bytes:
    """``estimator`` as a skops file whose bytes depend only on the fitted estimator (see the module's note)."""
    import skops.io

    original = zipfile.ZipFile(io.BytesIO(skops.io.dumps(estimator)))
    ids: dict[int, int] = {}
    schema = _renumber(json.loads(original.read("schema.json")), ids)
    entries = {"schema.json": json.dumps(schema, indent=2).encode()}
    for name in original.namelist():
        if name != "schema.json":
            stem, _, suffix = name.rpartition(".")
            entries[f"{ids[int(stem)]}.{suffix}"] = original.read(name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entries[name], compresslevel=9)
    return out.getvalue()


def build(key: str) -> bytes:
    """The demo ``key``'s model, trained now, as the bytes of its shipped file."""
    return canonical_skops(train_demo_model(key))


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, compare) every demo model's file; 1 when a checked file differs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the shipped files instead of writing them")
    args = parser.parse_args(argv)
    differs = 0
    for key in DEMO_MODELS:
        content, path = build(key), demo_model_file(key)
        if args.check:
            same = path.exists() and path.read_bytes() == content
            differs += not same
            print(f"{path.relative_to(ROOT)}: {'the same' if same else 'DIFFERS from a fresh build'}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            print(f"{path.relative_to(ROOT)}: {len(content):,} bytes")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
