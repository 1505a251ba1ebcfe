"""Reading tables, describing what to audit, and checking that it can be audited.

Everything here raises :class:`~fairdash.errors.FairdashError` (or a subclass) on bad input, with
a message a user can act on; nothing else escapes for a malformed file or a wrong choice of columns.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from typing import Any, Hashable, Sequence

import numpy as np
import pandas as pd

from fairdash._sources import Source, read_source, suffix_of
from fairdash.errors import InvalidInputError

MISSING_GROUP = "(missing)"
"""The label of rows whose sensitive attribute is missing: they form a group of their own."""

GROUP_SEPARATOR = " | "
"""Joins the values of several sensitive attributes into one intersectional group label."""

SMALL_GROUP_SIZE = 30
"""Groups with fewer rows than this are flagged as too small to judge."""

_PARQUET_MAGIC = b"PAR1"
_CSV_SUFFIXES = {".csv", ".tsv", ".txt", ""}
_PARQUET_SUFFIXES = {".parquet", ".pq"}

_EMPTY_FILE = "The file {name} is empty. Choose a CSV or Parquet file that holds a table."
_NOT_A_TABLE = (
    "The file {name} does not look like a table: {detail}. "
    "Upload a CSV file (comma, semicolon or tab separated, first line = column names) or a Parquet file."
)
_BAD_ENCODING = (
    "The file {name} is not UTF-8 text (an unreadable byte at position {position}). "
    "Save it as 'CSV UTF-8' (in Excel: File > Save As > CSV UTF-8) and upload it again."
)


def read_table(source: Source, *, name: str | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet table.

    Parameters
    ----------
    source : path, bytes or file-like
        A path, the file's bytes, or an uploaded file object (anything with ``getvalue()`` or
        ``read()``). The file is only read.
    name : str, optional
        The file's name, used to choose the format from its extension and in messages. Without an
        extension the format is detected from the content.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    InvalidInputError
        For an empty file, a file that is not a table, text that is not UTF-8, a table without rows
        or with fewer than two columns.

    Examples
    --------
    >>> read_table(b"age,sex\\n30,F\\n41,M\\n", name="people.csv").shape
    (2, 2)
    """
    file_name, content = read_source(source, name)
    shown_name = repr(file_name) if file_name else "you chose"
    if content[:2] == b"\x1f\x8b":  # gzip-compressed CSV
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as error:
            raise InvalidInputError(_NOT_A_TABLE.format(name=shown_name, detail=f"a broken gzip file ({error})")) from None
    if not content.strip():
        raise InvalidInputError(_EMPTY_FILE.format(name=shown_name))

    suffix = suffix_of(file_name)
    if suffix in _PARQUET_SUFFIXES or content[:4] == _PARQUET_MAGIC:
        table = _read_parquet(content, shown_name)
    elif suffix in _CSV_SUFFIXES:
        table = _read_csv(content, shown_name)
    else:
        raise InvalidInputError(
            f"The file {shown_name} has the extension {suffix!r}; fairdash reads CSV (.csv) and Parquet (.parquet) tables."
        )

    if table.shape[1] < 2:
        raise InvalidInputError(
            _NOT_A_TABLE.format(name=shown_name, detail=f"it has {table.shape[1]} column(s), an audit needs at least two")
        )
    if len(table) == 0:
        raise InvalidInputError(f"The table {shown_name} has column names but no rows.")
    return table


def _read_parquet(content: bytes, shown_name: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(io.BytesIO(content))
    except Exception as error:  # pyarrow raises many types for a damaged file
        raise InvalidInputError(
            _NOT_A_TABLE.format(name=shown_name, detail=f"it cannot be read as Parquet ({error})")
        ) from None


def _read_csv(content: bytes, shown_name: str) -> pd.DataFrame:
    if b"\x00" in content[:65536]:
        raise InvalidInputError(_NOT_A_TABLE.format(name=shown_name, detail="it holds binary data, not text"))
    try:
        head = content[:65536].decode("utf-8-sig")
        content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInputError(_BAD_ENCODING.format(name=shown_name, position=error.start)) from None
    try:
        separator = csv.Sniffer().sniff(head.split("\n", 20)[0] if "\n" in head else head, delimiters=",;\t|").delimiter
    except csv.Error:
        separator = ","
    try:
        return pd.read_csv(io.BytesIO(content), sep=separator, encoding="utf-8-sig", low_memory=False)
    except pd.errors.EmptyDataError:
        raise InvalidInputError(_EMPTY_FILE.format(name=shown_name)) from None
    except (pd.errors.ParserError, ValueError) as error:
        detail = str(error).strip().splitlines()[0]
        raise InvalidInputError(_NOT_A_TABLE.format(name=shown_name, detail=detail)) from None


@dataclass(frozen=True)
class AuditSpec:
    """What to audit in a table: the choices a user makes on the Data & model page.

    Attributes
    ----------
    target : str
        The column holding the true outcome.
    positive_label : Any
        The value of ``target`` that counts as the positive (favourable or predicted) class.
    sensitive : tuple of str
        One or more sensitive attributes; several make intersectional groups ``"a | b"``.
    reference : str, optional
        The group others are compared with; ``None`` means the largest group.
    score : str, optional
        A column that already holds the model's scores or 0/1 predictions (a scores-only audit).
    features : tuple of str
        The columns the model takes, when a model is given.
    """

    target: str
    positive_label: Any
    sensitive: tuple[str, ...]
    reference: str | None = None
    score: str | None = None
    features: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sensitive", tuple(self.sensitive))
        object.__setattr__(self, "features", tuple(self.features))


def group_codes(table: pd.DataFrame, sensitive: Sequence[str] | str) -> tuple[np.ndarray, list[str]]:
    """Each row's group as an integer code into a sorted list of group labels.

    Labels are the sensitive value(s) as text, several joined by ``" | "``; a missing value is the
    group ``"(missing)"``. Each column is factorized once and only the distinct combinations are
    turned into text, so this stays fast for millions of rows.

    Returns
    -------
    codes : numpy.ndarray of int64, one per row
    labels : list of str, sorted; ``labels[codes[i]]`` is row ``i``'s group
    """
    columns = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    if not columns:
        raise InvalidInputError("Choose at least one sensitive attribute.")
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise InvalidInputError(f"The table has no column {', '.join(map(repr, missing))}.")
    combined = np.zeros(len(table), dtype=np.int64)
    texts: list[list[str]] = []
    for column in columns:
        codes, uniques = pd.factorize(table[column], use_na_sentinel=True)
        texts.append([_value_text(value) for value in uniques] + [MISSING_GROUP])
        codes = np.where(codes < 0, len(uniques), codes)  # the missing value gets the last slot
        combined = combined * (len(uniques) + 1) + codes
    present, inverse = np.unique(combined, return_inverse=True)
    present_labels = []
    for code in present.tolist():
        parts = []
        for column_texts in reversed(texts):
            code, position = divmod(code, len(column_texts))
            parts.append(column_texts[position])
        present_labels.append(GROUP_SEPARATOR.join(reversed(parts)))
    order = np.argsort(present_labels, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[inverse.reshape(-1)].astype(np.int64), [present_labels[i] for i in order]


def group_labels(table: pd.DataFrame, sensitive: Sequence[str] | str) -> pd.Series:
    """One group label per row: the sensitive value(s) as text, several joined by ``" | "``.

    A missing value becomes the group ``"(missing)"`` rather than being dropped.
    """
    codes, labels = group_codes(table, sensitive)
    columns = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    return pd.Series(np.asarray(labels, dtype=object)[codes], index=table.index, name=GROUP_SEPARATOR.join(columns))


def _value_text(value: Any) -> str:
    # 1.0 read from a CSV with missing values should read "1", as the user typed it.
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def match_label(candidates: Sequence[Any], label: Any) -> Any | None:
    """The candidate equal to ``label``, else the one whose text is (``"1"`` finds ``1``, ``1.0`` finds ``"1"``); else None.

    Labels typed by a user (the command line, a JSON file) are text; the table's or model's may not be.
    """
    for value in candidates:
        if value == label:
            return value
    for value in candidates:
        if _value_text(value) == _value_text(label) or str(value) == str(label):
            return value
    return None


def default_positive_label(values: pd.Series) -> Any:
    """A usual positive value (``1``, ``True``, ``"yes"``, ``"good"`` ...), else the rarer value."""
    counts = values.value_counts()
    usual = [value for value in counts.index if str(value).strip().lower() in _POSITIVE_NAMES]
    chosen = usual[0] if usual else (counts.index[-1] if len(counts) else None)
    return chosen.item() if isinstance(chosen, np.generic) else chosen


def resolve_label(values: pd.Series, label: Any) -> Hashable:
    """The value in ``values`` that equals ``label``, or whose text does (``"1"`` finds ``1``)."""
    present = pd.unique(values.dropna())
    found = match_label(present, label)
    if found is not None:
        return found
    shown = ", ".join(repr(_value_text(value)) for value in present[:10])
    raise InvalidInputError(f"The positive label {label!r} is not a value of {values.name!r}; its values are {shown}.")


def binary_target(table: pd.DataFrame, target: str, positive_label: Any) -> np.ndarray:
    """The target as a boolean array, ``True`` where it equals the positive label.

    Raises
    ------
    InvalidInputError
        If the column is missing, has missing values, or does not hold exactly two classes.
    """
    if target not in table.columns:
        raise InvalidInputError(f"The table has no target column {target!r}.")
    values = table[target]
    missing = int(values.isna().sum())
    if missing:
        raise InvalidInputError(
            f"The target {target!r} is missing in {missing:,} row(s). Remove or fill those rows before auditing."
        )
    classes = pd.unique(values)
    if len(classes) != 2:
        shown = ", ".join(repr(_value_text(value)) for value in classes[:6])
        more = f" and {len(classes) - 6} more" if len(classes) > 6 else ""
        raise InvalidInputError(
            f"The target {target!r} must hold exactly two classes to audit a binary classifier; "
            f"it holds {len(classes)}: {shown}{more}."
        )
    return (values == resolve_label(values, positive_label)).to_numpy(dtype=bool)


def numeric_scores(table: pd.DataFrame, column: str) -> np.ndarray:
    """A score or 0/1 prediction column as floats; raises if it is missing, not numeric, or has gaps."""
    if column not in table.columns:
        raise InvalidInputError(f"The table has no score column {column!r}.")
    values = table[column]
    if values.dtype == bool:
        return values.to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(values):
        converted = pd.to_numeric(values, errors="coerce")
        bad = values[converted.isna() & values.notna()]
        example = repr(bad.iloc[0]) if len(bad) else "text"
        raise InvalidInputError(
            f"The score column {column!r} is not numeric (for example {example}). "
            "Choose a column of scores or 0/1 predictions."
        )
    missing = int(values.isna().sum())
    if missing:
        raise InvalidInputError(f"The score column {column!r} is missing in {missing:,} row(s).")
    return values.to_numpy(dtype=float)


def validate_spec(table: pd.DataFrame, spec: AuditSpec) -> list[str]:
    """Check that ``spec`` can be audited on ``table``.

    Returns the warnings in plain words (an audit can go on); raises
    :class:`InvalidInputError` for what makes an audit impossible.
    """
    binary_target(table, spec.target, spec.positive_label)
    if spec.target in spec.sensitive:
        raise InvalidInputError(f"{spec.target!r} is the target; it cannot also be a sensitive attribute.")
    groups = group_labels(table, spec.sensitive)
    counts = groups.value_counts()
    if len(counts) < 2:
        raise InvalidInputError(
            f"The sensitive attribute {groups.name!r} has a single group ({counts.index[0]!r}); "
            "a fairness audit compares at least two groups."
        )
    if spec.reference is not None and spec.reference not in counts.index:
        raise InvalidInputError(f"The reference group {spec.reference!r} does not occur in {groups.name!r}.")
    if spec.score is not None:
        numeric_scores(table, spec.score)
        if spec.score == spec.target:
            raise InvalidInputError("The score column cannot be the target itself.")
    return audit_warnings(table, spec, counts)


def audit_warnings(table: pd.DataFrame, spec: AuditSpec, group_counts: pd.Series) -> list[str]:
    """Plain-words warnings: small groups, missing sensitive values, ID-like columns."""
    warnings = []
    small = group_counts[group_counts < SMALL_GROUP_SIZE]
    if len(small):
        listed = ", ".join(f"{label} ({count})" for label, count in small.items())
        warnings.append(
            f"{len(small)} group(s) have fewer than {SMALL_GROUP_SIZE} rows, too few to judge: {listed}. "
            "Their rates swing widely by chance."
        )
    if MISSING_GROUP in "".join(map(str, group_counts.index)):
        warnings.append("Some rows have no value for a sensitive attribute; they form the group '(missing)'.")
    for column in id_like_columns(table):
        if column in spec.features:
            warnings.append(f"The model takes {column!r}, which looks like a row ID; a model should not learn from IDs.")
        elif column in spec.sensitive:
            warnings.append(f"The sensitive attribute {column!r} looks like a row ID (nearly every value is different).")
    return warnings


def id_like_columns(table: pd.DataFrame) -> list[str]:
    """Columns that look like row IDs: text or integers that (nearly) never repeat.

    Integers count only when named like an ID or when they run nearly consecutively (1, 2, 3 ...),
    so that a measurement with many distinct values (an amount, an income) is not flagged.
    """
    if len(table) < 20:
        return []
    found = []
    for column in table.columns:
        values = table[column]
        if pd.api.types.is_float_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        distinct = values.nunique(dropna=True)
        if distinct < 0.95 * len(table):
            continue
        if pd.api.types.is_integer_dtype(values):
            named_like_id = str(column).lower() in {"id", "index", "uuid", "key"} or str(column).lower().endswith("_id")
            span = values.max() - values.min() + 1
            if not (named_like_id or span <= 1.1 * distinct):
                continue
        found.append(column)
    return found


@dataclass(frozen=True)
class DataSummary:
    """What the Data & model page shows about a table and its groups."""

    rows: int
    columns: int
    missing_cells: int
    missing_by_column: pd.Series
    groups: pd.DataFrame  # index: group; columns: count, share, base_rate, too_small
    warnings: tuple[str, ...]


def summarize(table: pd.DataFrame, spec: AuditSpec) -> DataSummary:
    """Rows, columns, missing values, and per-group size and base rate, with warnings."""
    warnings = validate_spec(table, spec)
    y_true = binary_target(table, spec.target, spec.positive_label)
    groups = group_labels(table, spec.sensitive)
    frame = pd.DataFrame({"group": groups.to_numpy(), "positive": y_true})
    per_group = frame.groupby("group", sort=True)["positive"].agg(count="size", base_rate="mean")
    per_group.insert(1, "share", per_group["count"] / len(table))
    per_group["too_small"] = per_group["count"] < SMALL_GROUP_SIZE
    per_group = per_group.sort_values("count", ascending=False)
    missing = table.isna().sum()
    return DataSummary(
        rows=len(table),
        columns=table.shape[1],
        missing_cells=int(missing.sum()),
        missing_by_column=missing[missing > 0].sort_values(ascending=False),
        groups=per_group,
        warnings=tuple(warnings),
    )


def default_reference(groups: pd.Series) -> str:
    """The largest group: the usual reference when the user has not chosen one."""
    return str(groups.value_counts().index[0])


_TARGET_NAMES = ("target", "label", "y", "outcome", "class", "income", "two_year_recid", "default", "credit")
_SENSITIVE_NAMES = ("sex", "gender", "race", "ethnicity", "age_band", "age_group", "age_cat", "religion", "disability")
_POSITIVE_NAMES = ("1", "1.0", "true", "yes", "y", "positive", "pos", "good", ">50k", "hired", "approved", "accepted")
_SCORE_NAMES = ("score", "scores", "probability", "proba", "prediction", "y_pred", "y_score", "decile_score")


def guess_spec(table: pd.DataFrame, *, feature_names: Sequence[str] | None = None, with_model: bool = True) -> AuditSpec:
    """Sensible first choices for a new table, which the user then corrects.

    The target is a two-valued column with a usual name (else the last two-valued column); the
    positive label is a usual positive value (``1``, ``"yes"``, ``"good"`` ...), else the less
    frequent value; sensitive attributes are columns with usual names (else the first text column
    with few values); without a model, the score is a numeric column with a usual name.
    """
    columns = list(table.columns)
    by_lower = {str(column).lower(): column for column in columns}
    two_valued = [column for column in columns if table[column].nunique(dropna=True) == 2]
    target = next((by_lower[name] for name in _TARGET_NAMES if name in by_lower and by_lower[name] in two_valued), None)
    if target is None:
        target = two_valued[-1] if two_valued else columns[-1]
    positive_label = default_positive_label(table[target])

    sensitive = [by_lower[name] for name in _SENSITIVE_NAMES if name in by_lower and by_lower[name] != target]
    if not sensitive:
        few_valued = [
            column for column in columns
            if column != target and not pd.api.types.is_float_dtype(table[column]) and 2 <= table[column].nunique() <= 10
        ]
        sensitive = few_valued[:1] or [column for column in columns if column != target][:1]

    score = None
    if not with_model:
        numeric = [column for column in columns if column != target and pd.api.types.is_numeric_dtype(table[column])]
        score = next((by_lower[name] for name in _SCORE_NAMES if name in by_lower and by_lower[name] in numeric), None)
        if score is None and numeric:
            score = numeric[-1]
    if feature_names is not None:
        features = tuple(feature_names)
    else:
        features = tuple(column for column in columns if column not in (target, score))
    return AuditSpec(
        target=target, positive_label=positive_label, sensitive=tuple(sensitive[:2]), score=score, features=features
    )
