"""Hostile-input review of 2026-12 (issue 21), findings in fairdash/data.py."""

import numpy as np
import pandas as pd

from fairdash.data import read_table

# Column names that hold each CSV separator, quotes and a line break: valid RFC 4180 once quoted.
_HOSTILE_NAMES = ['t"; DROP TABLE x; --', "g`'; SELECT 1;\n--", "s'||'x", 'o"" ) UNION SELECT 1 --']


def test_a_quoted_header_with_separators_quotes_and_a_line_break_is_read_as_written():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        _HOSTILE_NAMES[0]: [f"2024-01-{day:02d}" for day in rng.integers(1, 29, 3000)],
        _HOSTILE_NAMES[1]: rng.choice(["a", "b"], 3000),
        _HOSTILE_NAMES[2]: rng.random(3000).round(3),
        _HOSTILE_NAMES[3]: rng.integers(0, 2, 3000),
    })
    table = read_table(frame.to_csv(index=False).encode(), name="q.csv")
    assert table.shape == (3000, 4)
    assert list(table.columns) == _HOSTILE_NAMES
    assert table[_HOSTILE_NAMES[3]].tolist() == frame[_HOSTILE_NAMES[3]].tolist()


def test_a_semicolon_file_whose_quoted_cells_hold_commas_keeps_its_columns():
    table = read_table(b'name;note\n"Smith, J";"a, b"\n"Doe; K";c\n', name="t.csv")
    assert list(table.columns) == ["name", "note"]
    assert table["name"].tolist() == ["Smith, J", "Doe; K"]
