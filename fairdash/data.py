"""Reading tables, describing what to audit, and checking that it can be audited.

Everything here raises :class:`~fairdash.errors.FairdashError` (or a subclass) on bad input, with
a message a user can act on; nothing else escapes for a malformed file or a wrong choice of columns.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zlib
from dataclasses import dataclass, field
from typing import Any, Hashable, NamedTuple, Sequence

import numpy as np
import pandas as pd

from fairdash._sources import Source, read_source, suffix_of
from fairdash.errors import InvalidInputError, TableTooLargeError

MISSING_GROUP = "(missing)"
"""The label of rows whose sensitive attribute is missing: they form a group of their own."""

GROUP_SEPARATOR = " | "
"""Joins the values of several sensitive attributes into one intersectional group label."""

SMALL_GROUP_SIZE = 30
"""Groups with fewer rows than this are flagged as too small to judge."""

MAX_TABLE_BYTES = 512 << 20
"""The most bytes a table may take once decompressed (a gzip file of a few KB can expand to GBs)."""
MAX_ROWS = 5_000_000
"""The most rows a table may have."""
MAX_COLUMNS = 2_000
"""The most columns a table may have."""
MAX_CLASSES = 20
"""The most classes a target may hold; with more than two, one class is audited against the rest."""

_PARQUET_MAGIC = b"PAR1"
_CSV_SUFFIXES = {".csv", ".tsv", ".txt", ""}
_PARQUET_SUFFIXES = {".parquet", ".pq"}

_EMPTY_FILE = "The file {name} is empty. Choose a CSV or Parquet file that holds a table."
_NOT_A_TABLE = (
    "The file {name} does not look like a table: {detail}. "
    "Upload a CSV file (comma, semicolon or tab separated, first line = column names) or a Parquet file."
)
_TOO_LARGE = "The file {name} is too large to audit here: {what}. Audit a sample or fewer columns."
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
    shown_name = brief(file_name) if file_name else "you chose"
    if content[:2] == b"\x1f\x8b":  # gzip-compressed CSV
        content = _gunzip(content, shown_name)
    if not content.strip():
        raise InvalidInputError(_EMPTY_FILE.format(name=shown_name))

    suffix = suffix_of(file_name)
    if suffix in _PARQUET_SUFFIXES or content[:4] == _PARQUET_MAGIC:
        table = _read_parquet(content, shown_name)
    elif suffix in _CSV_SUFFIXES:
        table = _read_csv(content, shown_name)
    else:
        raise InvalidInputError(
            f"The file {shown_name} has the extension {brief(suffix)}; fairdash reads CSV (.csv) and Parquet (.parquet) tables."
        )

    if table.shape[1] < 2:
        raise InvalidInputError(
            _NOT_A_TABLE.format(name=shown_name, detail=f"it has {table.shape[1]} column(s), an audit needs at least two")
        )
    if len(table) == 0:
        raise InvalidInputError(f"The table {shown_name} has column names but no rows.")
    return table


def _gunzip(content: bytes, shown_name: str) -> bytes:
    """The decompressed bytes, refusing more than :data:`MAX_TABLE_BYTES` (a small file can expand without bound).

    Decompressed in steps of 16 MB into one buffer, so memory stays near the bound whatever the file claims.
    """
    out = bytearray()
    remaining = content
    while remaining:  # a gzip file may hold several members, one after another
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        pending = remaining
        while not decompressor.eof:
            try:
                out += decompressor.decompress(pending, _GUNZIP_STEP)
            except zlib.error as error:
                raise InvalidInputError(_NOT_A_TABLE.format(name=shown_name, detail=f"a broken gzip file ({error})")) from None
            if len(out) > MAX_TABLE_BYTES:
                raise TableTooLargeError(_TOO_LARGE.format(name=shown_name, what=f"more than {MAX_TABLE_BYTES >> 20:,} MB once decompressed"))
            pending = decompressor.unconsumed_tail
            if not pending and not decompressor.eof:
                out += decompressor.flush()
                if not decompressor.eof:
                    raise InvalidInputError(_NOT_A_TABLE.format(name=shown_name, detail="a gzip file that ends early"))
        remaining = decompressor.unused_data
    return out  # a bytearray: copying it to bytes would double the memory


_GUNZIP_STEP = 16 << 20


def _check_shape(rows: int, columns: int, shown_name: str) -> None:
    if rows > MAX_ROWS:
        raise TableTooLargeError(_TOO_LARGE.format(name=shown_name, what=f"{rows:,} rows; fairdash reads at most {MAX_ROWS:,}"))
    if columns > MAX_COLUMNS:
        raise TableTooLargeError(_TOO_LARGE.format(name=shown_name, what=f"{columns:,} columns; fairdash reads at most {MAX_COLUMNS:,}"))


def _read_parquet(content: bytes, shown_name: str) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(io.BytesIO(content))
        metadata = parquet.metadata
        _check_shape(metadata.num_rows, metadata.num_columns, shown_name)
        expanded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
        if expanded > MAX_TABLE_BYTES:
            raise TableTooLargeError(_TOO_LARGE.format(name=shown_name, what=f"{expanded >> 20:,} MB of data once decompressed"))
        names = parquet.schema_arrow.names
        _check_unique_names(names, shown_name)
        table = parquet.read().to_pandas()
    except InvalidInputError:
        raise
    except Exception as error:  # pyarrow raises many types for a damaged file
        raise InvalidInputError(
            _NOT_A_TABLE.format(name=shown_name, detail=f"it cannot be read as Parquet ({_first_line(error)})")
        ) from None
    return _nested_as_text(table)


def _nested_as_text(table: pd.DataFrame) -> pd.DataFrame:
    """Parquet list, struct and map cells as JSON text: they cannot be grouped or compared as they are."""
    for column in table.columns[table.dtypes == object]:
        values = table[column]
        nested = values.map(lambda value: isinstance(value, (list, tuple, dict, np.ndarray)))
        if nested.any():
            table[column] = values.map(
                lambda value: json.dumps(value.tolist() if isinstance(value, np.ndarray) else value, default=str, ensure_ascii=False)
                if isinstance(value, (list, tuple, dict, np.ndarray)) else value
            )
    return table


def _check_unique_names(names: Sequence[Any], shown_name: str) -> None:
    seen: set[Any] = set()
    repeated = [name for name in names if name in seen or seen.add(name)]
    if repeated:
        raise InvalidInputError(
            f"The table {shown_name} has more than one column named {brief(repeated[0])}. Give each column its own name."
        )


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return brief(lines[0], 200)[1:-1] if lines else type(error).__name__


def _read_csv(content: bytes, shown_name: str) -> pd.DataFrame:
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16 with its byte-order mark (Excel's "Unicode text")
        try:
            content = content.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidInputError(_BAD_ENCODING.format(name=shown_name, position=error.start)) from None
    if b"\x00" in content[:65536]:
        raise InvalidInputError(_NOT_A_TABLE.format(name=shown_name, detail="it holds binary data, not text"))
    _check_shape(content.count(b"\n"), 0, shown_name)  # before anything is built from the bytes
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInputError(_BAD_ENCODING.format(name=shown_name, position=error.start)) from None
    separator, header = _csv_layout(text)
    del text  # decoded to check the encoding; pandas reads the bytes, and a second copy would double the memory
    # Refuse what is too big before pandas builds it: rows from the line count, columns from the header.
    _check_shape(0, len(header), shown_name)
    named = [name.strip() for name in header if name.strip()]
    _check_unique_names(named, shown_name)
    try:
        table = pd.read_csv(io.BytesIO(content), sep=separator, encoding="utf-8-sig", low_memory=False)
    except pd.errors.EmptyDataError:
        raise InvalidInputError(_EMPTY_FILE.format(name=shown_name)) from None
    except (pd.errors.ParserError, ValueError, csv.Error) as error:
        raise InvalidInputError(_NOT_A_TABLE.format(name=shown_name, detail=_first_line(error))) from None
    # Trailing separators make columns with no name and no value: they are not the user's data.
    unnamed = [column for position, column in enumerate(table.columns)
               if position < len(header) and not header[position].strip() and table[column].isna().all()]
    return table.drop(columns=unnamed)


_SEPARATORS = (",", ";", "\t", "|")
"""The separators a CSV file may use, in order of preference when two read a file equally well."""
_SNIFF_RECORDS = 20
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")


def _csv_layout(text: str) -> tuple[str, list[str]]:
    """The separator of a CSV text and its header as that separator reads it.

    Each candidate separator reads the first records with quotes honoured (a quoted column name may hold
    another separator, a quote or a line break); the one whose header has several columns and whose
    rows most often have as many wins. Raw lines would be misread: a quoted header may span lines.
    """
    best_key, best_separator, best_header = (False, -1, -1), ",", []
    for separator in _SEPARATORS:
        records = _first_records(text, separator)
        header = records[0] if records else []
        fitting = sum(len(record) == len(header) for record in records[1:])
        key = (len(header) > 1, fitting, len(header))
        if key > best_key:
            best_key, best_separator, best_header = key, separator, header
    return best_separator, best_header


def _first_records(text: str, separator: str) -> list[list[str]]:
    """The first records of ``text`` (the header and up to :data:`_SNIFF_RECORDS` rows), blank lines skipped as pandas does."""
    lines = (match.group() for match in _LINE.finditer(text))  # lazily: the text may be hundreds of MB
    records: list[list[str]] = []
    try:
        for record in csv.reader(lines, delimiter=separator, quotechar='"', doublequote=True):
            if record:
                records.append(record)
            if len(records) > _SNIFF_RECORDS:
                break
    except csv.Error:
        pass  # a field beyond the csv module's size limit: judge on the records read before it
    return records


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
    bins : tuple of (column, edges)
        Band edges for numeric sensitive attributes, e.g. ``(("age", (25.0, 40.0, 65.0)),)`` for the
        bands under 25, 25 to 40, 40 to 65 and 65 and over. A numeric sensitive attribute with more
        than :data:`BIN_ABOVE` distinct values and no edges here is cut into quintiles
        (:func:`sensitive_frame`).
    """

    target: str
    positive_label: Any
    sensitive: tuple[str, ...]
    reference: str | None = None
    score: str | None = None
    features: tuple[str, ...] = field(default_factory=tuple)
    bins: tuple[tuple[str, tuple[float, ...]], ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sensitive", tuple(self.sensitive))
        object.__setattr__(self, "features", tuple(self.features))
        object.__setattr__(self, "bins", tuple((column, tuple(float(edge) for edge in edges)) for column, edges in dict(self.bins).items()))


BIN_ABOVE = 20
"""A numeric sensitive attribute with more distinct values than this is cut into bands by default:
730 ages as 730 groups would make every group too small and every chart unreadable."""


def default_bins(values: pd.Series) -> tuple[float, ...]:
    """Quintile edges of a numeric column (fewer where values repeat), rounded to two significant places
    beyond the integer part: the bands hold about a fifth of the rows each."""
    numbers = pd.to_numeric(values, errors="coerce").dropna().to_numpy(dtype=float)
    edges = np.quantile(numbers, [0.2, 0.4, 0.6, 0.8]) if len(numbers) else np.array([])
    edges = np.unique(np.round(edges, 0 if np.all(numbers == np.round(numbers)) else 2))
    return tuple(float(edge) for edge in edges if numbers.min() < edge <= numbers.max())


def needs_bins(values: pd.Series) -> bool:
    """Whether a sensitive column is numeric (not boolean) with more than :data:`BIN_ABOVE` distinct values."""
    return (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
            and values.nunique(dropna=True) > BIN_ABOVE)


def bins_used(table: pd.DataFrame, sensitive: Sequence[str], bins: Any = ()) -> dict[str, tuple[float, ...]]:
    """The band edges each binned sensitive column is cut at: those given (``{column: edges}`` or
    pairs, as :attr:`AuditSpec.bins`), else quintiles where a column needs bands (:func:`needs_bins`)."""
    given = dict(bins)
    unknown = [column for column in given if column not in sensitive]
    if unknown:
        raise InvalidInputError(f"Bands are given for {brief(unknown[0])}, which is not a chosen sensitive attribute.")
    used = {}
    for column in sensitive:
        if column in given:
            if column in table.columns and not pd.api.types.is_numeric_dtype(table[column]):
                raise InvalidInputError(f"Bands are given for {brief(column)}, but it is not a numeric column.")
            used[column] = _checked_edges(given[column], column)
        elif column in table.columns and needs_bins(table[column]):
            used[column] = default_bins(table[column])
    return used


def parse_bins(text: str, column: str) -> tuple[float, ...]:
    """Band edges typed by a user (``"25, 40, 65"``) as numbers; raises with a plain message."""
    try:
        edges = tuple(float(part) for part in text.replace(";", ",").split(",") if part.strip())
    except ValueError:
        raise InvalidInputError(f"The band edges for {brief(column)} must be numbers separated by commas, e.g. 25, 40, 65; "
                                f"got {brief(text)}.") from None
    return _checked_edges(edges, column)


def _checked_edges(edges: Sequence[float], column: str) -> tuple[float, ...]:
    edges = tuple(float(edge) for edge in edges)
    if not edges or any(not np.isfinite(edge) for edge in edges) or list(edges) != sorted(set(edges)):
        raise InvalidInputError(f"The band edges for {brief(column)} must be finite numbers in increasing order, e.g. 25, 40, 65.")
    return edges


def band_labels(edges: Sequence[float]) -> list[str]:
    """Readable names of the bands the edges make: ``under 25``, ``25 to 40``, ..., ``65 and over``."""
    shown = [f"{edge:g}" for edge in edges]
    return [f"under {shown[0]}"] + [f"{low} to {high}" for low, high in zip(shown, shown[1:])] + [f"{shown[-1]} and over"]


def sensitive_frame(table: pd.DataFrame, sensitive: Sequence[str], bins: Any = ()) -> pd.DataFrame:
    """The sensitive columns as the audit groups them: numeric ones cut into bands (:func:`bins_used`).

    A band is ``[low, high)``; its label is text such as ``25 to 40``; a missing value stays missing.
    The table itself is not changed.
    """
    missing = [column for column in sensitive if column not in table.columns]
    if missing:
        raise InvalidInputError(f"The table has no column {', '.join(brief(column) for column in missing)}.")
    frame = table[list(sensitive)]
    used = bins_used(table, sensitive, bins)
    if not used:
        return frame
    frame = frame.copy()
    for column, edges in used.items():
        bands = pd.cut(pd.to_numeric(frame[column], errors="coerce"), [-np.inf, *edges, np.inf], right=False,
                       labels=band_labels(edges))
        frame[column] = bands.astype(object).where(bands.notna(), None)
    return frame


class GroupCodes(NamedTuple):
    """Each row's group as a code into ``labels``: what :func:`group_codes` returns. Passed as the
    ``sensitive`` argument of the metrics functions, it is used as it is (no labels made of labels)."""

    codes: np.ndarray
    labels: list[str]

    def per_row(self, index: pd.Index, name: str | None = None) -> pd.Series:
        """Each row's group label, as a Series with ``index``."""
        return pd.Series(np.asarray(self.labels, dtype=object)[self.codes], index=index, name=name)


def group_codes(table: pd.DataFrame, sensitive: Sequence[str] | str) -> GroupCodes:
    """Each row's group as an integer code into a sorted list of group labels.

    A group is the tuple of its original values, one per sensitive column (a missing value is its
    own value, apart from any text). Its label is that tuple as text (:func:`group_label`), and no
    two groups share a label: a value that could be read as something else (one holding the
    separator ``" | "``, the words ``(missing)`` or ``(all)``, or nothing but blanks) is quoted.
    Each column is factorized once and only the distinct combinations are turned into text, so this
    stays fast for millions of rows.

    Returns
    -------
    codes : numpy.ndarray of int64, one per row
    labels : list of str, sorted; ``labels[codes[i]]`` is row ``i``'s group
    """
    codes, keys = group_keys(table, sensitive)
    labels = _unique_labels(keys)
    order = np.argsort(labels, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return GroupCodes(rank[codes], [labels[i] for i in order])


def group_keys(table: pd.DataFrame, sensitive: Sequence[str] | str) -> tuple[np.ndarray, list[tuple[Any, ...]]]:
    """Each row's group as a code into the list of groups present, each a tuple of original values.

    ``None`` stands for a missing value (pandas reads no other value as None). The groups are in no
    particular order; :func:`group_codes` sorts them by label.
    """
    columns = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    if not columns:
        raise InvalidInputError("Choose at least one sensitive attribute.")
    missing = [column for column in columns if column not in table.columns]
    if missing:
        raise InvalidInputError(f"The table has no column {', '.join(brief(column) for column in missing)}.")
    combined = np.zeros(len(table), dtype=np.int64)
    values_per_column: list[list[Any]] = []
    for column in columns:
        codes, uniques = pd.factorize(table[column], use_na_sentinel=True)
        values_per_column.append([_plain(value) for value in uniques] + [None])
        codes = np.where(codes < 0, len(uniques), codes)  # the missing value gets the last slot
        combined = combined * (len(uniques) + 1) + codes
    present, inverse = np.unique(combined, return_inverse=True)
    keys = []
    for code in present.tolist():
        parts = []
        for column_values in reversed(values_per_column):
            code, position = divmod(code, len(column_values))
            parts.append(column_values[position])
        keys.append(tuple(reversed(parts)))
    return inverse.reshape(-1).astype(np.int64), keys


def group_label(key: tuple[Any, ...]) -> str:
    """A group's label: its values as text, joined by ``" | "``; a missing value reads ``(missing)``.

    A value whose text could be mistaken for another (it holds the separator, reads ``(missing)`` or
    ``(all)``, starts with a quote, is empty or has blanks at its ends) is quoted, so different
    groups never share a label.
    """
    return GROUP_SEPARATOR.join(_part_text(value) for value in key)


def _part_text(value: Any) -> str:
    if value is None:
        return MISSING_GROUP
    text = _value_text(value)
    if text in _RESERVED_TEXTS or "|" in text or text.startswith('"') or text != text.strip() or not text:
        return json.dumps(text, ensure_ascii=False)
    return text


_RESERVED_TEXTS = (MISSING_GROUP, "(all)")


def _unique_labels(keys: list[tuple[Any, ...]]) -> list[str]:
    """:func:`group_label` of each key; where two keys still read alike (``1`` and ``"1"`` in one
    column), their values' Python reprs instead, which tell them apart."""
    labels = [group_label(key) for key in keys]
    if len(set(labels)) < len(labels):
        seen = pd.Series(labels).duplicated(keep=False).to_numpy()
        labels = [GROUP_SEPARATOR.join(repr(value) for value in key) if clash else label
                  for key, label, clash in zip(keys, labels, seen)]
    return labels


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def group_labels(table: pd.DataFrame, sensitive: Sequence[str] | str) -> pd.Series:
    """One group label per row (see :func:`group_codes`); a missing value is a group of its own."""
    columns = [sensitive] if isinstance(sensitive, str) else list(sensitive)
    return group_codes(table, columns).per_row(table.index, name=GROUP_SEPARATOR.join(map(str, columns)))


def _value_text(value: Any) -> str:
    # 1.0 read from a CSV with missing values should read "1", as the user typed it.
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def brief(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters: a data value quoted in a message stays one short line."""
    text = repr(value.item() if isinstance(value, np.generic) else value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def match_label(candidates: Sequence[Any], label: Any) -> Any | None:
    """The candidate equal to ``label``, else the one whose text is (``"1"`` finds ``1``, ``1.0`` finds ``"1"``),
    else the number equal to the number typed (``"1.0"`` finds ``1``); else None.

    Labels typed by a user (the command line, a JSON file) are text; the table's or model's may not be.
    Text candidates match only as text: ``"01"`` finds the number ``1`` but not the text ``"1"`` (a code).
    """
    for value in candidates:
        if value == label:
            return value
    for value in candidates:
        if _value_text(value) == _value_text(label) or str(value) == str(label):
            return value
    typed = _finite_number(label)
    for value in candidates:
        if typed is not None and not isinstance(_plain(value), str) and _finite_number(value) == typed:
            return value
    for value in candidates:  # "true" typed for a boolean True
        if isinstance(value, (bool, np.bool_)) and str(label).strip().lower() == str(bool(value)).lower():
            return value
    return None


def _finite_number(value: Any) -> int | float | None:
    """``value`` as a finite number, whether a number or text such as ``"1"``, ``" 1.0 "``, ``"1e0"``; else None.

    Booleans are not numbers here (``True`` matches ``"true"``, not ``"1"``); ints stay ints so that large
    ones compare exactly.
    """
    value = _plain(value)
    if isinstance(value, str):
        text = value.strip()
        if "_" in text:  # Python reads "1_0" as 10; a user typing it means no number
            return None
        try:
            value = int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value if isinstance(value, int) or math.isfinite(value) else None


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
    shown = ", ".join(brief(_value_text(value)) for value in present[:10])
    raise InvalidInputError(f"The positive label {brief(label)} is not a value of {brief(values.name)}; its values are {shown}.")


def binary_target(table: pd.DataFrame, target: str, positive_label: Any) -> np.ndarray:
    """The target as a boolean array, ``True`` where it equals the positive label.

    A target of more than two classes (up to :data:`MAX_CLASSES`) is audited one class against the
    rest: the positive label's class against all others.

    Raises
    ------
    InvalidInputError
        If the column is missing, has missing values, or holds one class, or more than
        :data:`MAX_CLASSES` (a measurement or an ID, not classes).
    """
    if target not in table.columns:
        raise InvalidInputError(f"The table has no target column {brief(target)}.")
    values = table[target]
    missing = int(values.isna().sum())
    if missing:
        raise InvalidInputError(
            f"The target {brief(target)} is missing in {missing:,} row(s). Remove or fill those rows before auditing."
        )
    classes = pd.unique(values)
    if not 2 <= len(classes) <= MAX_CLASSES:
        shown = ", ".join(brief(_value_text(value)) for value in classes[:6])
        more = f" and {len(classes) - 6} more" if len(classes) > 6 else ""
        raise InvalidInputError(
            f"The target {brief(target)} must hold the classes a classifier predicts, from 2 to {MAX_CLASSES}; "
            f"it holds {len(classes)} value(s): {shown}{more}. Choose the column of true outcomes."
        )
    return (values == resolve_label(values, positive_label)).to_numpy(dtype=bool)


def numeric_scores(table: pd.DataFrame, column: str) -> np.ndarray:
    """A score or 0/1 prediction column as floats; raises if it is missing, not numeric, or has gaps."""
    if column not in table.columns:
        raise InvalidInputError(f"The table has no score column {brief(column)}.")
    values = table[column]
    if values.dtype == bool:
        return values.to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(values):
        converted = pd.to_numeric(values, errors="coerce")
        bad = values[converted.isna() & values.notna()]
        example = brief(bad.iloc[0]) if len(bad) else "text"
        raise InvalidInputError(
            f"The score column {brief(column)} is not numeric (for example {example}). "
            "Choose a column of scores or 0/1 predictions."
        )
    missing = int(values.isna().sum())
    if missing:
        raise InvalidInputError(f"The score column {brief(column)} is missing in {missing:,} row(s).")
    return finite_scores(values.to_numpy(dtype=float), f"The score column {brief(column)}")


def finite_scores(scores: np.ndarray, source: str) -> np.ndarray:
    """``scores`` as they are; raises naming the first row (counted from 1) whose score is missing or infinite.

    An infinite score would move the default threshold and cannot be written to JSON.
    """
    bad = np.flatnonzero(~np.isfinite(scores))
    if len(bad):
        raise InvalidInputError(
            f"{source} holds {len(bad):,} missing or infinite score(s), the first in row {bad[0] + 1:,} ({scores[bad[0]]}). "
            "Scores must be finite numbers."
        )
    return scores


def score_warnings(scores: np.ndarray) -> list[str]:
    """A warning when scores that look like probabilities (nearly all in [0, 1]) have a few outside it."""
    outside = (scores < 0) | (scores > 1)
    count = int(outside.sum())
    if count == 0 or count > 0.01 * len(scores):
        return []
    first = int(np.flatnonzero(outside)[0])
    return [
        f"{count:,} score(s) lie outside [0, 1] (the first, {scores[first]:g}, in row {first + 1:,}) though the others look like "
        "probabilities. They are audited as they are, and the default threshold is then the middle score, not 0.5."
    ]


def check_column_roles(*, target: str, sensitive: Sequence[str], score: str | None = None) -> None:
    """Check that each chosen column plays one role: no sensitive attribute twice, none that is the target,
    and a score column that is neither the target nor a sensitive attribute.

    Parameters
    ----------
    target : str
        The column of true outcomes.
    sensitive : sequence of str
        The sensitive attributes, as chosen.
    score : str, optional
        The column of scores or 0/1 predictions, if any.

    Raises
    ------
    InvalidInputError
        Naming the column chosen for two roles (or twice for one).

    Examples
    --------
    >>> check_column_roles(target="y", sensitive=["race", "sex"], score="score")
    """
    seen: set[str] = set()
    for column in sensitive:
        if column in seen:
            raise InvalidInputError(
                f"The sensitive attribute {brief(column)} is chosen twice. Choose each sensitive attribute once."
            )
        seen.add(column)
    if target in seen:
        raise InvalidInputError(
            f"{brief(target)} is the target; it cannot also be a sensitive attribute. Choose other sensitive attributes."
        )
    if score is not None and score == target:
        raise InvalidInputError(
            f"{brief(score)} is the target; it cannot also be the score column. Choose the column of the model's scores or predictions."
        )
    if score is not None and score in seen:
        raise InvalidInputError(
            f"{brief(score)} is a sensitive attribute; it cannot also be the score column. "
            "Choose the column of the model's scores or predictions."
        )


def validate_spec(table: pd.DataFrame, spec: AuditSpec) -> list[str]:
    """Check that ``spec`` can be audited on ``table``.

    Returns the warnings in plain words (an audit can go on); raises
    :class:`InvalidInputError` for what makes an audit impossible.
    """
    binary_target(table, spec.target, spec.positive_label)
    if spec.score is not None:
        numeric_scores(table, spec.score)
    # Before the groups are built: a sensitive attribute named twice would break them with no plain message.
    check_column_roles(target=spec.target, sensitive=spec.sensitive, score=spec.score)
    groups = group_labels(sensitive_frame(table, spec.sensitive, spec.bins), spec.sensitive)
    counts = groups.value_counts()
    if len(counts) < 2:
        raise InvalidInputError(
            f"The sensitive attribute {brief(groups.name)} has a single group ({brief(counts.index[0])}); "
            "a fairness audit compares at least two groups."
        )
    if spec.reference is not None and spec.reference not in counts.index:
        raise InvalidInputError(f"The reference group {brief(spec.reference)} does not occur in {brief(groups.name)}.")
    return audit_warnings(table, spec, counts)


_LISTED = 10  # groups named in one warning; the rest are counted


def audit_warnings(table: pd.DataFrame, spec: AuditSpec, group_counts: pd.Series) -> list[str]:
    """Plain-words warnings: small groups, missing sensitive values, ID-like columns."""
    warnings = []
    small = group_counts[group_counts < SMALL_GROUP_SIZE]
    if len(small):
        listed = ", ".join(f"{label} ({count})" for label, count in small.head(_LISTED).items())
        more = f" and {len(small) - _LISTED:,} more" if len(small) > _LISTED else ""
        warnings.append(
            f"{len(small)} group(s) have fewer than {SMALL_GROUP_SIZE} rows, too few to judge: {listed}{more}. "
            "Their rates swing widely by chance."
        )
    if table[list(spec.sensitive)].isna().to_numpy().any():
        warnings.append(f"Some rows have no value for a sensitive attribute; they form a group of their own, {MISSING_GROUP}.")
    for column in id_like_columns(table):
        if column in spec.features:
            warnings.append(f"The model takes {brief(column)}, which looks like a row ID; a model should not learn from IDs.")
        elif column in spec.sensitive:
            warnings.append(f"The sensitive attribute {brief(column)} looks like a row ID (nearly every value is different).")
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
    groups = group_labels(sensitive_frame(table, spec.sensitive, spec.bins), spec.sensitive)
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
