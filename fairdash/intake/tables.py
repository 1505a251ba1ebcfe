"""Reading a table a user brings: CSV (any usual separator, UTF-8 or UTF-16, gzip) or Parquet, within bounds."""

from __future__ import annotations

import csv
import io
import json
import re
import zlib
from typing import Any, Sequence

import numpy as np
import pandas as pd

from fairdash.errors import InvalidInputError, TableTooLargeError, brief
from fairdash.intake.sources import Source, read_source, suffix_of

__all__ = ["MAX_TABLE_BYTES", "MAX_ROWS", "MAX_COLUMNS", "read_table"]

MAX_TABLE_BYTES = 512 << 20
"""The most bytes a table may take once decompressed (a gzip file of a few KB can expand to GBs)."""


MAX_ROWS = 5_000_000
"""The most rows a table may have."""


MAX_COLUMNS = 2_000
"""The most columns a table may have."""


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
    file_name, read = read_source(source, name)
    content: bytes | bytearray = read
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


def _gunzip(content: bytes | bytearray, shown_name: str) -> bytes | bytearray:
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
                raise TableTooLargeError(
                    _TOO_LARGE.format(name=shown_name, what=f"more than {MAX_TABLE_BYTES >> 20:,} MB once decompressed")
                )
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
        raise TableTooLargeError(
            _TOO_LARGE.format(name=shown_name, what=f"{columns:,} columns; fairdash reads at most {MAX_COLUMNS:,}")
        )


def _read_parquet(content: bytes | bytearray, shown_name: str) -> pd.DataFrame:
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
                lambda value: (
                    json.dumps(value.tolist() if isinstance(value, np.ndarray) else value, default=str, ensure_ascii=False)
                    if isinstance(value, (list, tuple, dict, np.ndarray))
                    else value
                )
            )
    return table


def _check_unique_names(names: Sequence[Any], shown_name: str) -> None:
    seen: set[Any] = set()
    repeated = []
    for name in names:
        if name in seen:
            repeated.append(name)
        seen.add(name)
    if repeated:
        raise InvalidInputError(
            f"The table {shown_name} has more than one column named {brief(repeated[0])}. Give each column its own name."
        )


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return brief(lines[0], 200)[1:-1] if lines else type(error).__name__


def _read_csv(content: bytes | bytearray, shown_name: str) -> pd.DataFrame:
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
    unnamed = [
        column
        for position, column in enumerate(table.columns)
        if position < len(header) and not header[position].strip() and table[column].isna().all()
    ]
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
