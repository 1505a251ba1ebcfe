"""Saved audits given awkward inputs (the reviews of the merged issues 18-20; each failed before its fix): the store
sweeps only the folders it made, and a title holding terminal escape sequences is listed as text."""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd


def test_the_store_sweeps_only_folders_it_made(tmp_path):
    from fairdash.store.db import AuditStore

    files = tmp_path / "files"
    (files / "my-notes").mkdir(parents=True)
    (files / "my-notes" / "thesis.txt").write_text("precious")
    (files / "readme.txt").write_text("also precious")
    made = files / ("A" * 24)  # what a save killed before its row would leave
    made.mkdir()
    hour_ago = time.time() - 3600
    for path in (files / "my-notes", files / "readme.txt", made):
        os.utime(path, (hour_ago, hour_ago))
    store = AuditStore(tmp_path)
    store.check()
    assert store.sweep() == [made.name]
    assert (files / "my-notes" / "thesis.txt").read_text() == "precious" and (files / "readme.txt").exists()


def test_a_title_with_an_escape_sequence_prints_as_text(tmp_path, capsys, monkeypatch):
    from fairdash.cli import main

    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    table = pd.DataFrame({"g": ["a", "b"] * 50, "y": [0, 1] * 50, "s": np.linspace(0, 1, 100)})
    table.to_csv(tmp_path / "t.csv", index=False)
    title = "evil\x1b]0;pwned\x07\x1b[2J"
    assert (
        main(
            [
                "audit",
                "--data",
                str(tmp_path / "t.csv"),
                "--target",
                "y",
                "--sensitive",
                "g",
                "--score",
                "s",
                "--save",
                "--title",
                title,
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["audits", "list"]) == 0
    listed = capsys.readouterr().out
    assert (
        "evil" in listed
        and "pwned" in listed
        and not any(ord(character) < 32 and character not in "\t\n" for character in listed)
    )
