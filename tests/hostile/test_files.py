"""Items 9-11: files that explode, scores that are not scores, and malformed tables get plain messages."""

import gzip
import io
import tracemalloc

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fairdash.engine.inputs import prepare_audit
from fairdash.engine.spec import AuditSpec
from fairdash.errors import InvalidInputError
from fairdash.explain import rules
from fairdash.intake.tables import read_table
from fairdash.run import run_audit
from fairdash.present.sentences import warning_text


def _gzip_bomb(expanded_mb: int) -> bytes:
    """A small gzip file that expands to ``expanded_mb`` MB of a valid CSV."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as packed:
        packed.write(b"a,b\n")
        line = b"0,0\n" * 262_144  # 1 MB
        for _ in range(expanded_mb):
            packed.write(line)
    return buffer.getvalue()


@pytest.mark.parametrize("expanded_mb", [64, 1024])
def test_a_gzip_bomb_is_refused_within_bounded_memory(expanded_mb):
    bomb = _gzip_bomb(expanded_mb)
    assert len(bomb) < 2_000_000  # under 2 MB on disk
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInputError, match="too large to audit"):
            read_table(bomb, name="bomb.csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 800 * 2**20  # the 1 GB bomb stops at the decompression bound, not in pandas


def test_a_table_with_too_many_columns_is_refused_before_it_is_built():
    header = ",".join(f"c{i}" for i in range(50_000))
    with pytest.raises(InvalidInputError, match="50,000 columns; fairdash reads at most"):
        read_table((header + "\n" + ",".join("1" * 50_000) + "\n").encode(), name="wide.csv")


def test_choosing_the_rules_columns_screens_the_table_once(monkeypatch):
    """The column screening ran once per column (quadratic: 2,000 columns took minutes); once is enough."""
    from fairdash.engine import spec

    calls = []
    screen = spec.id_like_columns
    monkeypatch.setattr(spec, "id_like_columns", lambda table: calls.append(1) or screen(table))
    table = pd.DataFrame(np.zeros((30, 300)), columns=[f"c{i}" for i in range(300)])
    spec = AuditSpec(target="c0", positive_label=1, sensitive=("c1",), score="c2")
    assert len(rules.surrogate_columns(table, spec, with_model=False)) == 298
    assert len(calls) == 1


def test_an_infinite_score_is_refused_with_its_row():
    table = pd.DataFrame({"g": ["a", "b"] * 5, "y": [1, 0] * 5, "s": [0.1, 0.2, 0.3, np.inf, 0.5, 0.6, 0.7, 0.8, 0.9, 0.4]})
    with pytest.raises(InvalidInputError, match="infinite.*row 4"):
        prepare_audit(table, AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s"))


def test_one_score_outside_0_1_among_probabilities_is_said():
    rng = np.random.default_rng(0)
    scores = rng.random(200)
    scores[17] = 1.2
    table = pd.DataFrame({"g": ["a", "b"] * 100, "y": rng.integers(0, 2, 200), "s": scores})
    inputs = prepare_audit(table, AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s"))
    assert any("outside [0, 1]" in warning and "row 18" in warning for warning in map(warning_text, inputs.warnings))


def test_the_report_payload_is_json_a_browser_parses():
    import json

    from fairdash.present.page import script_json
    from fairdash.present.report import slider_payload

    table = pd.DataFrame({"g": ["</script><!--"] * 40 + ["b"] * 40, "y": [1, 0] * 40, "s": np.linspace(0, 1, 80)})
    audit = run_audit(table, AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s"), with_rules=False)
    text = script_json(slider_payload(audit))
    assert "<" not in text and "Infinity" not in text and "NaN" not in text
    assert json.loads(text)["labels"][0] == "</script><!--"


# Column names that hold each CSV separator, quotes and a line break: valid RFC 4180 once quoted.
_HOSTILE_NAMES = ['t"; DROP TABLE x; --', "g`'; SELECT 1;\n--", "s'||'x", 'o"" ) UNION SELECT 1 --']


def test_a_quoted_header_with_separators_quotes_and_a_line_break_is_read_as_written():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            _HOSTILE_NAMES[0]: [f"2024-01-{day:02d}" for day in rng.integers(1, 29, 3000)],
            _HOSTILE_NAMES[1]: rng.choice(["a", "b"], 3000),
            _HOSTILE_NAMES[2]: rng.random(3000).round(3),
            _HOSTILE_NAMES[3]: rng.integers(0, 2, 3000),
        }
    )
    table = read_table(frame.to_csv(index=False).encode(), name="q.csv")
    assert table.shape == (3000, 4)
    assert list(table.columns) == _HOSTILE_NAMES
    assert table[_HOSTILE_NAMES[3]].tolist() == frame[_HOSTILE_NAMES[3]].tolist()


def test_a_semicolon_file_whose_quoted_cells_hold_commas_keeps_its_columns():
    table = read_table(b'name;note\n"Smith, J";"a, b"\n"Doe; K";c\n', name="t.csv")
    assert list(table.columns) == ["name", "note"]
    assert table["name"].tolist() == ["Smith, J", "Doe; K"]


def test_trailing_commas_make_no_empty_target_column():
    table = read_table(b"sex,y,score,\nF,1,0.2,\nM,0,0.7,\n", name="t.csv")
    assert list(table.columns) == ["sex", "y", "score"]


def test_duplicate_column_names_are_refused_not_renamed():
    with pytest.raises(InvalidInputError, match="more than one column named 'a'"):
        read_table(b"a,b,a\n1,2,3\n", name="t.csv")


def test_utf16_text_is_read():
    table = read_table("sex,y\nFemme,1\nHomme,0\n".encode("utf-16"), name="t.csv")
    assert table["sex"].tolist() == ["Femme", "Homme"]


def test_a_huge_cell_gives_a_short_message():
    cell = "x" * 5_000_000
    table = pd.DataFrame({"y": [cell, "b", cell], "g": ["a", "b", "a"], "s": [0.1, 0.2, 0.3]})
    with pytest.raises(InvalidInputError, match="is not a value of 'y'; its values are 'xxx") as raised:
        prepare_audit(table, AuditSpec(target="y", positive_label="nope", sensitive=("g",), score="s"))
    assert len(str(raised.value)) < 1_000  # the 5 MB value is quoted in 60 characters


def test_parquet_list_and_struct_columns_are_read_as_text():
    frame = pa.table({"g": ["a", "b"], "y": [1, 0], "tags": [[1, 2], [3]], "info": [{"k": 1}, {"k": 2}]})
    buffer = io.BytesIO()
    pq.write_table(frame, buffer)
    table = read_table(buffer.getvalue(), name="t.parquet")
    assert table["tags"].tolist() == ["[1, 2]", "[3]"]
    assert table["info"].tolist() == ['{"k": 1}', '{"k": 2}']
    assert table.groupby("tags").size().size == 2  # hashable: can be a sensitive attribute


def test_the_report_opens_on_the_audited_threshold_when_its_grid_is_thinned():
    """Over 1,000 distinct scores the report's slider offers 1,000 positions; the audited threshold is one of them,
    so the page opens on the numbers of its own tables (it opened on the next position up)."""
    from fairdash.present.report import slider_payload
    from fairdash.run import run_audit

    rng = np.random.default_rng(0)
    table = pd.DataFrame({"g": rng.choice(["a", "b"], 20_000), "y": rng.integers(0, 2, 20_000), "s": rng.random(20_000)})
    audit = run_audit(
        table, AuditSpec(target="y", positive_label=1, sensitive=("g",), score="s"), thresholds=0.5, with_rules=False
    )
    payload = slider_payload(audit)
    start = payload["thresholds"].index(payload["start"]["global"])  # the page opens on the first position at or above it
    assert payload["thresholds"][start] == 0.5 and not payload["exact"]
    opened = np.asarray(payload["counts"][start])
    assert (opened == audit.table[["tp", "fp", "tn", "fn"]].to_numpy()).all()
