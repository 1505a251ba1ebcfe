"""The audit store: saved audits in one SQLite file, their uploaded files beside it, in ``FAIRDASH_HOME``.

Why SQLite rather than DuckDB: the store is many small transactional writes (one row a save, a rename, a
delete) from several processes at once (the dashboard's sessions, ``python -m fairdash audit --save`` in a
pipeline), and SQLite lets many processes write one file (each write waits its turn on the file's lock)
while DuckDB lets only one process open a file for writing. SQLite is in Python's standard library, so the
store adds no dependency; DuckDB stays what it is good at here, counting a large log (the Over time page).

Layout of ``FAIRDASH_HOME`` (default ``~/.fairdash``)::

    audits.sqlite            one row an audit: title, time, settings, SHA-256s, the JSON and the HTML report;
                             and one row a dashboard session's draft (its unsaved choices, for a reload)
    files/<id>/table         the uploaded table, when the user chose to keep it (names the store makes,
    files/<id>/model         never the upload's; the upload's name is a column, shown escaped)
    files/draft-<id>-<n>/    a draft's uploads (a new folder when they change; the row names the current one)

A save is atomic: the files are written into ``files/.tmp-<id>/`` and renamed to ``files/<id>/`` (a rename
within one folder is atomic), then the row is inserted in one transaction. A process killed at any point
leaves the store readable and the audit whole (row and files) or absent (a folder without a row is swept
away later). Ids are 144 random bits from :func:`secrets.token_urlsafe`; an id that is not of that form is
refused before it reaches SQL or a path, with the same "no such audit" as an id that is well formed but unknown.

Each audit has an owner (a user, none for a team audit, or the dashboard without sign-in), may be shared with users or
the whole team, and keeps a history (who saved, shared, unshared, renamed, exported, deleted it, and when). A store
answers one :class:`~fairdash.store.access.Visitor` (default: the administrator, the person with the disk;
:meth:`AuditStore.for_visitor` for another): what that visitor may not see or change is "no such audit", as an unknown
id is (:mod:`fairdash.store.access` has the rules). A store of version 1 (before owners) is migrated in place, in one
transaction, when first opened: its audits become team audits.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import re
import secrets
import shutil
import sqlite3
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal, TypeGuard

from fairdash.errors import FairdashError, InvalidInputError, brief
from fairdash.store.access import ADMIN, TEAM, Visitor, manage_clause, valid_user, visible_clause

__all__ = [
    "SCHEMA_VERSION",
    "MAX_TABLE_BYTES",
    "MAX_MODEL_BYTES",
    "NO_SUCH_AUDIT",
    "StoreError",
    "NoSuchAuditError",
    "StoreFullError",
    "StoreReadOnlyError",
    "StoredFile",
    "AuditRecord",
    "SavedAudit",
    "AuditStore",
    "store_home",
    "new_audit_id",
    "valid_audit_id",
    "audit_url",
    "DRAFT_DAYS",
    "MAX_TITLE_LENGTH",
    "tidy_title",
    "HistoryEntry",
    "Sharing",
]

SCHEMA_VERSION = 2
"""The store's layout; a file with a higher ``PRAGMA user_version`` was made by a newer fairdash."""
_APPLICATION_ID = 0x46444153  # "FDAS": marks the SQLite file as a fairdash store (PRAGMA application_id)
MAX_TABLE_BYTES = 200_000_000
"""The largest table file kept with an audit (the dashboard reads tables up to about this size)."""
MAX_MODEL_BYTES = 100_000_000
"""The largest model file kept with an audit."""
MAX_TITLE_LENGTH = 200
"""The longest title kept (a longer one is cut), as the dashboard's title boxes allow."""
DRAFT_DAYS = 7
"""A session's draft (its unsaved work, for a reload) is removed once this many days without a change."""
ORPHAN_AGE_SECONDS = 600
"""A files folder without a row is removed once this old: younger, it may be a save about to commit."""
_ID_BYTES = 18  # 144 random bits, above the 128 asked for
_ID = re.compile(r"\A[A-Za-z0-9_-]{24}\Z")  # what token_urlsafe(18) makes: 24 characters of the URL-safe alphabet
_DRAFT_FOLDER = re.compile(r"\Adraft-[A-Za-z0-9_-]{24}-[0-9a-f]{8}\Z")  # a draft's files (see save_draft)
NO_SUCH_AUDIT = "no such audit"
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_SQLITE_READONLY, _SQLITE_CANTOPEN = 8, 14  # SQLite's primary result codes (the low byte of an extended code)
_SQLITE_READONLY_DIRECTORY = 8 | (6 << 8)  # a read-only folder: SQLite cannot make its -wal and -shm files beside the store
_FILE_KINDS = ("table", "model")

_SCHEMA = """
CREATE TABLE audits (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created TEXT NOT NULL,
    data_name TEXT NOT NULL,
    model_name TEXT,
    settings TEXT NOT NULL,
    data_sha256 TEXT,
    model_sha256 TEXT,
    headline TEXT NOT NULL,
    audit_json TEXT NOT NULL,
    report_html TEXT NOT NULL,
    table_file TEXT,
    model_file TEXT
);
CREATE INDEX audits_by_time ON audits (created);
CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    updated TEXT NOT NULL,
    settings TEXT NOT NULL,
    table_file TEXT,
    model_file TEXT,
    files_dir TEXT
);
"""
# Version 1 -> 2: owners, shares and the history. A new store runs _SCHEMA and then every migration, in one transaction.
_MIGRATIONS = {
    1: """
ALTER TABLE audits ADD COLUMN owner TEXT;
ALTER TABLE drafts ADD COLUMN owner TEXT;
CREATE INDEX audits_by_owner ON audits (owner);
CREATE TABLE shares (
    audit_id TEXT NOT NULL,
    grantee TEXT NOT NULL,
    PRIMARY KEY (audit_id, grantee)
);
CREATE TABLE history (
    audit_id TEXT NOT NULL,
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    what TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX history_by_audit ON history (audit_id);
""",
}
_SUMMARY_COLUMNS = (
    "id, title, created, data_name, model_name, settings, data_sha256, model_sha256, headline, table_file, model_file"
)
_LISTED_COLUMNS = _SUMMARY_COLUMNS + ", owner"


class StoreError(FairdashError, RuntimeError):
    """The store cannot be read or written (corrupt, from a newer fairdash, a full disk); the message says what to do."""


class NoSuchAuditError(StoreError, LookupError):
    """No saved audit has this id (or it is not an id at all)."""

    def __init__(self) -> None:
        super().__init__(NO_SUCH_AUDIT)


class StoreFullError(StoreError):
    """The disk (or the file size allowed) is full: nothing was saved."""


class StoreReadOnlyError(StoreError):
    """The store is intact but this process may not write it (a read-only file, folder or file system): nothing was
    changed. Reading works where SQLite can read it (a read-only file in a writable folder)."""


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file to keep with an audit: its name as uploaded (kept as data, never used on disk) and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class AuditRecord:
    """What is saved of an audit (see :func:`fairdash.store.saving.audit_record`)."""

    title: str
    created: str
    data_name: str
    model_name: str | None
    settings: dict[str, Any]
    data_sha256: str | None
    model_sha256: str | None
    headline: dict[str, Any]
    audit_json: str
    report_html: str


@dataclass(frozen=True)
class SavedAudit:
    """A saved audit as listed: everything but the JSON, the report and the files (read those by id)."""

    id: str
    title: str
    created: str
    data_name: str
    model_name: str | None
    settings: dict[str, Any]
    data_sha256: str | None
    model_sha256: str | None
    headline: dict[str, Any]
    table_file: str | None
    """The uploaded table's name, when its file was kept (else ``None``)."""
    model_file: str | None
    owner: str | None = None
    """Its owner's address; ``None`` for a team audit; ``"@local"`` for one saved in the dashboard without sign-in."""


@dataclass(frozen=True)
class HistoryEntry:
    """One thing done to a saved audit: when (UTC), by whom, what (``saved``, ``shared``, ``unshared``, ``renamed``,
    ``exported``, ``deleted``) and its detail (the user shared with, the new title)."""

    at: str
    who: str
    what: str
    detail: str | None


@dataclass(frozen=True)
class Sharing:
    """Who an audit is shared with: named users, and whether the whole team."""

    users: tuple[str, ...]
    team: bool


def store_home() -> Path:
    """``FAIRDASH_HOME``, or ``~/.fairdash``: the folder of the store."""
    configured = os.environ.get("FAIRDASH_HOME", "").strip()
    return Path(configured).expanduser() if configured else Path.home() / ".fairdash"


def new_audit_id() -> str:
    """A new id that cannot be guessed: 144 random bits, URL-safe, never starting with "-" (a command line would read
    such an id as an option: ``compare ID ID`` failed one time in 64)."""
    while (audit_id := secrets.token_urlsafe(_ID_BYTES)).startswith("-"):
        pass
    return audit_id


def valid_audit_id(text: Any) -> TypeGuard[str]:
    """Whether ``text`` has the form of an id (checked before any use: SQL, a path, a URL)."""
    return isinstance(text, str) and _ID.match(text) is not None


def tidy_title(title: Any) -> str:
    """A title as the store keeps it, at a save and a rename alike: control and other unprintable characters (an
    escape sequence, a newline, an undecodable byte of a command line) as spaces, runs of whitespace as one space, none
    at either end, at most :data:`MAX_TITLE_LENGTH` characters.

    Raises
    ------
    InvalidInputError
        A title with nothing left (empty, or only spaces and control characters).

    Examples
    --------
    >>> tidy_title("  Q3\tmodel\x1b[2J ")
    'Q3 model [2J'
    """
    shown = "".join(" " if unicodedata.category(character).startswith("C") else character for character in str(title))
    tidied = " ".join(shown.split())[:MAX_TITLE_LENGTH].rstrip()
    if not tidied:
        raise InvalidInputError(f"A title cannot be empty (got {brief(title)}): give the audit a name of printable characters.")
    return tidied


def audit_url(audit_id: str) -> str:
    """The dashboard's link to a saved audit: ``FAIRDASH_URL`` (default ``http://localhost:8501``) with ``?audit=ID``."""
    base = os.environ.get("FAIRDASH_URL", "").strip() or "http://localhost:8501"
    return f"{base.rstrip('/')}/?audit={audit_id}"


class AuditStore:
    """The saved audits in ``home`` (default :func:`store_home`). Each call opens its own connection, so one
    store object serves every thread (the dashboard's sessions) and several processes share one file.

    Raises :class:`StoreError` (plain words) when the file is corrupt, from a newer fairdash, or the disk
    is full; :class:`NoSuchAuditError` for an id that is unknown or not an id.
    """

    def __init__(self, home: str | os.PathLike | None = None, *, visitor: Visitor = ADMIN) -> None:
        self.home = Path(home) if home is not None else store_home()
        self.path = self.home / "audits.sqlite"
        self.files = self.home / "files"
        self.visitor = visitor

    def for_visitor(self, visitor: Visitor) -> "AuditStore":
        """The same store, answering ``visitor`` (:class:`~fairdash.store.access.Visitor`): what it may not see or change
        is "no such audit"."""
        return AuditStore(self.home, visitor=visitor)

    def save(
        self, record: AuditRecord, *, table: StoredFile | None = None, model: StoredFile | None = None, owner: str | None = None
    ) -> str:
        """Save an audit (and the files, when given); return its new id. All or nothing. The title is tidied
        (:func:`tidy_title`); an empty one is refused before anything is written. The audit belongs to the visitor; the
        administrator's to ``owner`` (checked by :func:`~fairdash.store.access.valid_user`), or the team without one."""
        title = tidy_title(record.title)
        owner = self._owner_of_new(owner)
        _check_size(table, MAX_TABLE_BYTES, "table")
        _check_size(model, MAX_MODEL_BYTES, "model")
        audit_id = new_audit_id()
        with self._translated():
            self.sweep()
            folder = self._write_files(audit_id, {"table": table, "model": model})
            try:
                with self._transaction() as connection:
                    connection.execute(
                        f"INSERT INTO audits ({_SUMMARY_COLUMNS}, audit_json, report_html, owner) VALUES ({', '.join('?' * 14)})",
                        (
                            audit_id,
                            title,
                            record.created,
                            record.data_name,
                            record.model_name,
                            json.dumps(record.settings),
                            record.data_sha256,
                            record.model_sha256,
                            json.dumps(record.headline),
                            table.name if table else None,
                            model.name if model else None,
                            record.audit_json,
                            record.report_html,
                            owner,
                        ),
                    )
                    self._note(connection, audit_id, "saved", None if owner is None else f"owner {owner}")
            except BaseException:
                if folder is not None:
                    shutil.rmtree(folder, ignore_errors=True)
                raise
        return audit_id

    def _owner_of_new(self, owner: str | None) -> str | None:
        if self.visitor.kind != "admin":
            if owner is not None and owner != self.visitor.owner:
                raise InvalidInputError("An audit saved in the dashboard belongs to who saves it: it cannot name another owner.")
            return self.visitor.owner
        return None if owner is None else valid_user(owner)

    def list(self) -> list[SavedAudit]:
        """Every saved audit the visitor may see, newest first (without sign-in: only those its session was given)."""
        where, parameters = visible_clause(self.visitor)
        given = sorted(self.visitor.given) if self.visitor.kind == "local" else None
        if given is not None:
            where += f" AND audits.id IN ({', '.join('?' * len(given)) or 'NULL'})"
            parameters += tuple(given)
        with self._translated(), self._connection() as connection:
            rows = connection.execute(
                f"SELECT {_LISTED_COLUMNS} FROM audits WHERE {where} ORDER BY created DESC, rowid DESC", parameters
            ).fetchall()
        return [_summary(row) for row in rows]

    def get(self, audit_id: str) -> SavedAudit:
        """The saved audit with this id; :class:`NoSuchAuditError` otherwise (or when the visitor may not see it)."""
        return _summary(self._row(audit_id, _LISTED_COLUMNS))

    def audit_json(self, audit_id: str) -> str:
        """The audit's JSON, as saved."""
        return self._row(audit_id, "audit_json")[0]

    def report_html(self, audit_id: str) -> str:
        """The audit's HTML report, as saved."""
        return self._row(audit_id, "report_html")[0]

    def stored_file(self, audit_id: str, kind: Literal["table", "model"]) -> StoredFile | None:
        """The table or model file kept with the audit (with its uploaded name), or ``None`` when none was kept."""
        (name,) = self._row(audit_id, f"{kind}_file" if kind in _FILE_KINDS else "NULL")
        if name is None:
            return None
        with self._translated():
            content = (self.files / audit_id / kind).read_bytes()
        return StoredFile(name=name, content=content)

    def rename(self, audit_id: str, title: str) -> None:
        """Give the audit another title (tidied by :func:`tidy_title`; an empty one is refused). The owner's to do."""
        _check_id(audit_id)
        title = tidy_title(title)
        with self._translated(), self._transaction() as connection:
            self._check_manages(connection, audit_id)
            connection.execute("UPDATE audits SET title = ? WHERE id = ?", (title, audit_id))
            self._note(connection, audit_id, "renamed", title)

    def delete(self, audit_id: str) -> None:
        """Remove the audit: its row and shares, then its files (its history stays). The owner's to do."""
        _check_id(audit_id)
        with self._translated():
            with self._transaction() as connection:
                self._check_manages(connection, audit_id)
                connection.execute("DELETE FROM audits WHERE id = ?", (audit_id,))
                connection.execute("DELETE FROM shares WHERE audit_id = ?", (audit_id,))
                self._note(connection, audit_id, "deleted", None)
            shutil.rmtree(self.files / audit_id, ignore_errors=True)  # if killed before this, sweep() removes them

    def share(self, audit_id: str, users: "builtins.list[str] | tuple[str, ...]" = (), *, team: bool = False) -> Sharing:
        """Share the audit with ``users`` (each checked by :func:`~fairdash.store.access.valid_user`) and, with
        ``team``, with every signed-in user; return who it is shared with now. The owner's to do (or the administrator's)."""
        _check_id(audit_id)
        grantees = self._grantees(users, team)
        with self._translated(), self._transaction() as connection:
            owner = self._check_manages(connection, audit_id)
            if owner is not None and owner in grantees:
                raise InvalidInputError(f"{owner} owns this audit already: share it with someone else.")
            for grantee in grantees:
                if connection.execute(
                    "INSERT OR IGNORE INTO shares (audit_id, grantee) VALUES (?, ?)", (audit_id, grantee)
                ).rowcount:
                    self._note(connection, audit_id, "shared", "the team" if grantee == TEAM else grantee)
            return _sharing(connection, audit_id)

    def unshare(self, audit_id: str, users: "builtins.list[str] | tuple[str, ...]" = (), *, team: bool = False) -> Sharing:
        """Take the audit back from ``users`` (and, with ``team``, from the team); return who it is shared with now. One
        not shared with is refused, in plain words. The owner's to do (or the administrator's)."""
        _check_id(audit_id)
        grantees = self._grantees(users, team)
        with self._translated(), self._transaction() as connection:
            self._check_manages(connection, audit_id)
            for grantee in grantees:
                if not connection.execute("DELETE FROM shares WHERE audit_id = ? AND grantee = ?", (audit_id, grantee)).rowcount:
                    raise InvalidInputError(
                        f"The audit is not shared with {'the team' if grantee == TEAM else grantee}: nothing to take back."
                    )
                self._note(connection, audit_id, "unshared", "the team" if grantee == TEAM else grantee)
            return _sharing(connection, audit_id)

    def sharing(self, audit_id: str) -> Sharing:
        """Who the audit is shared with (the owner's to read, or the administrator's)."""
        _check_id(audit_id)
        with self._translated(), self._connection() as connection:
            self._check_manages(connection, audit_id)
            return _sharing(connection, audit_id)

    def history(self, audit_id: str) -> builtins.list[HistoryEntry]:
        """What was done to the audit, oldest first: the owner's to read; the administrator's also after a delete."""
        _check_id(audit_id)
        with self._translated(), self._connection() as connection:
            if self.visitor.kind != "admin":
                self._check_manages(connection, audit_id)
            rows = connection.execute(
                "SELECT at, who, what, detail FROM history WHERE audit_id = ? ORDER BY rowid", (audit_id,)
            ).fetchall()
        if not rows:
            raise NoSuchAuditError()
        return [HistoryEntry(*row) for row in rows]

    def record_export(self, audit_id: str, what: str = "JSON and report") -> None:
        """Note in the history that the visitor exported (downloaded) the audit; "no such audit" when it may not see it."""
        _check_id(audit_id)
        where, parameters = visible_clause(self.visitor)
        with self._translated(), self._transaction() as connection:
            if connection.execute(f"SELECT 1 FROM audits WHERE id = ? AND {where}", (audit_id, *parameters)).fetchone() is None:
                raise NoSuchAuditError()
            self._note(connection, audit_id, "exported", what)

    def _grantees(self, users: "builtins.list[str] | tuple[str, ...]", team: bool) -> builtins.list[str]:
        if self.visitor.kind == "local":
            raise InvalidInputError("Sharing needs sign-in: without it the dashboard is one person's (see docs/saved-audits.md).")
        if isinstance(users, str):
            users = [users]
        grantees = [valid_user(user) for user in users] + ([TEAM] if team else [])
        if not grantees:
            raise InvalidInputError("Name at least one user (an email address) or the whole team.")
        return list(dict.fromkeys(grantees))

    def _check_manages(self, connection: sqlite3.Connection, audit_id: str) -> str | None:
        """The audit's owner, when the visitor may change it; "no such audit" otherwise (as for an unknown id)."""
        where, parameters = manage_clause(self.visitor)
        row = connection.execute(f"SELECT owner FROM audits WHERE id = ? AND {where}", (audit_id, *parameters)).fetchone()
        if row is None:
            raise NoSuchAuditError()
        return row[0]

    def _note(self, connection: sqlite3.Connection, audit_id: str, what: str, detail: str | None) -> None:
        connection.execute(
            "INSERT INTO history (audit_id, at, who, what, detail) VALUES (?, ?, ?, ?, ?)",
            (audit_id, _now(), self.visitor.name, what, detail),
        )

    def sweep(self, *, older_than: float = ORPHAN_AGE_SECONDS) -> builtins.list[str]:
        """Remove drafts unchanged for :data:`DRAFT_DAYS`, and files folders no row names (a save killed before its
        commit, a delete killed after it), once ``older_than`` seconds old; return the folder names removed."""
        with self._translated():
            with self._transaction() as connection:
                connection.execute("DELETE FROM drafts WHERE updated < ?", (_draft_expiry(),))
            if not self.files.is_dir():
                return []
            with self._connection() as connection:
                known = {row[0] for row in connection.execute("SELECT id FROM audits UNION SELECT files_dir FROM drafts")}
        removed = []
        for folder in self.files.iterdir():
            name = folder.name.removeprefix(".tmp-")
            try:
                young = time.time() - folder.stat().st_mtime < older_than
            except FileNotFoundError:  # another save renamed or removed it since the listing
                continue
            # Only folders the store makes (an audit's id, a draft's folder): nothing else in FAIRDASH_HOME is ever removed.
            if name in known or young or not folder.is_dir() or not (_ID.match(name) or _DRAFT_FOLDER.match(name)):
                continue
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
        return removed

    def save_draft(
        self,
        draft_id: str,
        settings: dict[str, Any],
        *,
        table: StoredFile | None = None,
        model: StoredFile | None = None,
        keep_files: bool = True,
    ) -> None:
        """Write a session's draft: its choices, and its uploads.

        ``keep_files=True`` keeps the files the draft already has (the uploads did not change); otherwise ``table`` and
        ``model`` replace them (written to a new folder, the row pointed at it, the old folder removed)."""
        _check_id(draft_id)
        _check_size(table, MAX_TABLE_BYTES, "table")
        _check_size(model, MAX_MODEL_BYTES, "model")
        now, owner = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()), self.visitor.draft_owner
        with self._translated():
            if keep_files:
                with self._transaction() as connection:
                    if connection.execute(
                        "UPDATE drafts SET settings = ?, updated = ? WHERE id = ? AND owner IS ?",
                        (json.dumps(settings), now, draft_id, owner),
                    ).rowcount:
                        return
            folder = self._write_files(f"draft-{draft_id}-{secrets.token_hex(4)}", {"table": table, "model": model})
            with self._transaction() as connection:
                old = connection.execute("SELECT files_dir, owner FROM drafts WHERE id = ?", (draft_id,)).fetchone()
                if old is not None and old[1] != owner:  # another user's draft: never written over, nor told apart
                    if folder is not None:
                        shutil.rmtree(folder, ignore_errors=True)
                    raise NoSuchAuditError()
                connection.execute(
                    "INSERT OR REPLACE INTO drafts (id, updated, settings, table_file, model_file, files_dir, owner) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        draft_id,
                        now,
                        json.dumps(settings),
                        table.name if table else None,
                        model.name if model else None,
                        folder.name if folder else None,
                        owner,
                    ),
                )
            if old and old[0]:
                shutil.rmtree(self.files / old[0], ignore_errors=True)
            if old is None:  # a new tab's first draft: the drafts of tabs gone for DRAFT_DAYS go (saves sweep too)
                self.sweep()

    def get_draft(self, draft_id: str) -> SavedAudit:
        """A session's draft, as a saved audit without JSON or report; :class:`NoSuchAuditError` when there is none."""
        _check_id(draft_id)
        with self._translated(), self._connection() as connection:
            row = connection.execute(
                "SELECT id, updated, settings, table_file, model_file FROM drafts WHERE id = ? AND updated >= ? AND owner IS ?",
                (draft_id, _draft_expiry(), self.visitor.draft_owner),
            ).fetchone()
        if row is None:  # none, or expired and not swept yet
            raise NoSuchAuditError()
        return SavedAudit(
            id=row[0],
            title="draft",
            created=row[1],
            data_name=row[3] or "",
            model_name=row[4],
            settings=json.loads(row[2]),
            data_sha256=None,
            model_sha256=None,
            headline={},
            table_file=row[3],
            model_file=row[4],
        )

    def draft_file(self, draft_id: str, kind: Literal["table", "model"]) -> StoredFile | None:
        """The table or model kept with a draft, or ``None``."""
        _check_id(draft_id)
        with self._translated(), self._connection() as connection:
            row = connection.execute(
                f"SELECT {'table_file' if kind == 'table' else 'model_file'}, files_dir FROM drafts WHERE id = ? AND owner IS ?",
                (draft_id, self.visitor.draft_owner),
            ).fetchone()
            if row is None:
                raise NoSuchAuditError()
            if row[0] is None or row[1] is None:
                return None
            return StoredFile(name=row[0], content=(self.files / row[1] / kind).read_bytes())

    def check(self) -> None:
        """Open the store (creating it when absent) and raise :class:`StoreError` when it cannot be used."""
        with self._translated(), self._connection() as connection:
            connection.execute("SELECT count(*) FROM audits").fetchone()

    def _row(self, audit_id: str, columns: str) -> tuple[Any, ...]:
        _check_id(audit_id)
        where, parameters = visible_clause(self.visitor)
        with self._translated(), self._connection() as connection:
            row = connection.execute(f"SELECT {columns} FROM audits WHERE id = ? AND {where}", (audit_id, *parameters)).fetchone()
        if row is None:
            raise NoSuchAuditError()
        return row

    def _write_files(self, audit_id: str, files: dict[str, StoredFile | None]) -> Path | None:
        """Write the files into a temporary folder, flushed to disk, and rename it to ``files/<id>``."""
        if not any(files.values()):
            return None
        temporary, final = self.files / f".tmp-{audit_id}", self.files / audit_id
        temporary.mkdir(parents=True)
        try:
            for kind, stored in files.items():
                if stored is not None:
                    with open(temporary / kind, "wb") as handle:
                        handle.write(stored.content)
                        handle.flush()
                        os.fsync(handle.fileno())
            os.rename(temporary, final)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        return final

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        self.home.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            self._prepare(connection)
            yield connection
        finally:
            connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed whole at the end, rolled back on any error (or by SQLite, if killed)."""
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")  # take the write lock now: two saves at once wait their turn
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def _prepare(self, connection: sqlite3.Connection) -> None:
        """Check the file is a store of a version this fairdash reads; create the schema in a new file."""
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"The audit store {self.path} was made by a newer fairdash (store version {version}; this one reads "
                f"{SCHEMA_VERSION}). Upgrade fairdash, or set FAIRDASH_HOME to another folder."
            )
        if version == 0:
            connection.execute("BEGIN IMMEDIATE")
            try:
                if connection.execute("PRAGMA user_version").fetchone()[0] == 0:  # another process may have just made it
                    if connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                        raise StoreError(
                            f"{self.path} is an SQLite file but not a fairdash audit store. Move it away, or set "
                            "FAIRDASH_HOME to another folder."
                        )
                    _run_script(connection, _SCHEMA)
                    connection.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
                    _migrate(connection, 1)
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
                    connection.execute("ROLLBACK")
                raise
        elif connection.execute("PRAGMA application_id").fetchone()[0] != _APPLICATION_ID:
            raise StoreError(
                f"{self.path} is an SQLite file but not a fairdash audit store. Move it away, or set "
                "FAIRDASH_HOME to another folder."
            )
        elif version < SCHEMA_VERSION:
            self._migrate_in_place(connection)
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            # Once per file (the mode is kept in it): readers go on while a save writes. Changing it needs the file to
            # itself, which SQLite does not wait for, so a busy file keeps its mode until the next connection.
            try:
                connection.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass
        connection.execute("PRAGMA synchronous = FULL")

    def _migrate_in_place(self, connection: sqlite3.Connection) -> None:
        """Bring an older store to :data:`SCHEMA_VERSION` in one transaction: whole, or not at all (another process may
        have done it meanwhile: the version is read again under the write lock)."""
        connection.execute("BEGIN IMMEDIATE")
        try:
            _migrate(connection, connection.execute("PRAGMA user_version").fetchone()[0])
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """SQLite's and the file system's failures as a :class:`StoreError` in plain words."""
        try:
            yield
        except StoreError:
            raise
        except sqlite3.DatabaseError as error:
            text = str(error)
            if "full" in text or getattr(error, "sqlite_errorcode", None) == 13:  # SQLITE_FULL
                raise StoreFullError(_full_message(self.home)) from None
            if isinstance(error, sqlite3.OperationalError) and "locked" in text:
                raise StoreError(f"The audit store {self.path} is busy (another save held it for 30 s); try again.") from None
            if getattr(error, "sqlite_errorcode", 0) & 0xFF in (_SQLITE_READONLY, _SQLITE_CANTOPEN):
                raise self._not_writable(error) from None
            raise StoreError(
                f"The audit store {self.path} cannot be read ({text}): the file is damaged or not a store. "
                "Move it aside (saved audits in it are lost to fairdash) or set FAIRDASH_HOME to another folder; "
                "the dashboard works without it."
            ) from None
        except OSError as error:
            if error.errno in _FULL_ERRNOS:
                raise StoreFullError(_full_message(self.home)) from None
            raise StoreError(
                f"The audit store in {self.home} cannot be used: {error.strerror or error}"
                f"{' (' + brief(str(error.filename)) + ')' if error.filename else ''}."
            ) from None

    def _not_writable(self, error: sqlite3.DatabaseError) -> StoreError:
        """The error for a store SQLite may not write (or open): intact, so never "damaged" (moving it aside would lose
        the audits in it); what works and what to do, by what SQLite said."""
        code = getattr(error, "sqlite_errorcode", 0)
        if code == _SQLITE_READONLY_DIRECTORY:
            return StoreReadOnlyError(
                f"The audit store at {self.path} is in a read-only folder ({self.home}): SQLite writes its -wal and -shm files "
                "beside the store, even to read it. Give this user write access to the folder, or set FAIRDASH_HOME to another "
                "folder; the store itself is not damaged."
            )
        if code & 0xFF == _SQLITE_READONLY:
            return StoreReadOnlyError(
                f"The audit store at {self.path} is read-only: saving (and renaming, deleting) needs write access; reading "
                "works. Give this user write access to the file, or set FAIRDASH_HOME to another folder to save there."
            )
        return StoreError(
            f"The audit store at {self.path} cannot be opened ({error}): check that this user may read and write "
            f"it and its folder ({self.home}), or set FAIRDASH_HOME to another folder."
        )


def _full_message(home: Path) -> str:
    return (
        f"The disk holding the audit store ({home}) is full: the audit was not saved, and the store is as it was. "
        "Free some space (or set FAIRDASH_HOME to a folder on another disk) and save again."
    )


def _run_script(connection: sqlite3.Connection, script: str) -> None:
    """Each statement of ``script`` inside the caller's transaction (``executescript`` would commit it first)."""
    for statement in filter(str.strip, script.split(";")):
        connection.execute(statement)


def _migrate(connection: sqlite3.Connection, version: int) -> None:
    """From store ``version`` up to :data:`SCHEMA_VERSION`, inside the caller's transaction (SQLite's schema changes are
    transactional). Version 1's audits have no owner: they become team audits."""
    for step in range(version, SCHEMA_VERSION):
        _run_script(connection, _MIGRATIONS[step])
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _sharing(connection: sqlite3.Connection, audit_id: str) -> Sharing:
    grantees = [
        row[0] for row in connection.execute("SELECT grantee FROM shares WHERE audit_id = ? ORDER BY grantee", (audit_id,))
    ]
    return Sharing(users=tuple(grantee for grantee in grantees if grantee != TEAM), team=TEAM in grantees)


def _draft_expiry() -> str:
    """The time before which a draft unchanged since has expired (:data:`DRAFT_DAYS`)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - DRAFT_DAYS * 86400))


def _check_id(audit_id: Any) -> None:
    if not valid_audit_id(audit_id):
        raise NoSuchAuditError()


def _check_size(stored: StoredFile | None, limit: int, kind: str) -> None:
    if stored is not None and len(stored.content) > limit:
        raise StoreError(
            f"The {kind} file ({len(stored.content) / 1e6:.0f} MB) is larger than the {limit / 1e6:.0f} MB kept with an "
            "audit: save the audit without its files (it still opens, with its numbers and report)."
        )


def _summary(row: tuple[Any, ...]) -> SavedAudit:
    (audit_id, title, created, data_name, model_name, settings, data_sha, model_sha, headline, table_file, model_file, owner) = (
        row
    )
    return SavedAudit(
        id=audit_id,
        title=title,
        created=created,
        data_name=data_name,
        model_name=model_name,
        settings=json.loads(settings),
        data_sha256=data_sha,
        model_sha256=model_sha,
        headline=json.loads(headline),
        table_file=table_file,
        model_file=model_file,
        owner=owner,
    )
