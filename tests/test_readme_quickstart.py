"""The README's first screen works as written: its 'bring your own model' code, then its command line, on the data
`fairdash demo` writes (issue 32: a quick start a new user follows without scrolling into internals)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _blocks(language: str) -> list[str]:
    """The README's fenced blocks of this language ("" for none), read fence by fence."""
    found, current, inside = [], [], None
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.startswith("```"):
            if inside is None:
                inside, current = line[3:].strip(), []
            else:
                if inside == language:
                    found.append("\n".join(current) + "\n")
                inside = None
        elif inside is not None:
            current.append(line)
    return found


def _run(arguments: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, *arguments], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_readme_quick_start_trains_saves_and_audits_as_written(tmp_path):
    demo = _run(["-m", "fairdash", "demo", "adult", "--out", "test.csv", "--train-out", "train.csv"], tmp_path)
    assert demo.returncode == 0, demo.stderr
    code, in_memory = _blocks("python")
    (tmp_path / "train_model.py").write_text(code)
    trained = _run(["train_model.py"], tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert (tmp_path / "model.skops").stat().st_size > 0

    command = next(block for block in _blocks("") if "fairdash audit" in block).replace("\\\n", " ")
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "fairdash"]
    audited = _run(words[1:], tmp_path)
    # Adult's selection-rate ratio between the sexes is far under 0.8: the gate's condition holds, named on stderr.
    assert audited.returncode == 1, audited.stderr
    assert "demographic_parity_ratio" in audited.stderr
    assert (tmp_path / "audit.json").exists() and (tmp_path / "audit.html").exists()

    # From Python: the same audit on the objects in memory, as the README's second block goes on from the first (the
    # browser it would open is `true`, which opens nothing; the dashboard's server ends with the script).
    (tmp_path / "in_memory.py").write_text(code + in_memory)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BROWSER": "true", "FAIRDASH_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "in_memory.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    saved = json.loads((tmp_path / "audit.json").read_text())
    assert float(done.stdout.split()[-1]) == pytest.approx(saved["disparities"]["demographic_parity_ratio"], abs=1e-12)
