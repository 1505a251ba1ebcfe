"""The audit store: saves that are whole or absent, ids that cannot be guessed or abused, plain messages for a
corrupt, newer or full store. The oracle is SQLite itself (``sqlite3`` on the file) and the bytes on disk."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import select
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fairdash.cli import main
from fairdash.store.db import (
    NO_SUCH_AUDIT,
    AuditRecord,
    AuditStore,
    NoSuchAuditError,
    StoredFile,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    new_audit_id,
    valid_audit_id,
)

ROOT = Path(__file__).resolve().parents[1]
BAD_IDS = [
    "../",
    "../../etc/passwd",
    "x' OR '1'='1",
    "'; DROP TABLE audits; --",
    "a" * 10_000,
    "",
    "A" * 23,
    "A" * 25,
    "AAAAAAAAAAAAAAAAAAAAAA/A",
    "AAAAAAAAAAAAAAAAAAAAAAA\n",
]


def _record(title: str = "t", *, pad: int = 0) -> AuditRecord:
    document = json.dumps({"title": title, "pad": "x" * pad})
    return AuditRecord(
        title=title,
        created="2026-12-02T10:00:00+00:00",
        data_name="people.csv",
        model_name=None,
        settings={"target": "hired", "thresholds": 0.5},
        data_sha256=None,
        model_sha256=None,
        headline={"demographic_parity_ratio": {"value": 0.7, "passed": False}},
        audit_json=document,
        report_html=f"<html>{title}</html>",
    )


def _rows(home: Path) -> list[tuple]:
    with sqlite3.connect(home / "audits.sqlite") as connection:
        return connection.execute("SELECT id, title, audit_json, table_file, model_file FROM audits").fetchall()


def test_a_saved_audit_is_in_the_file_with_its_files_under_names_the_store_makes(tmp_path):
    store = AuditStore(tmp_path)
    table = StoredFile(name="../../evil name.csv", content=b"a,b\n1,2\n")
    model = StoredFile(name="model.skops", content=os.urandom(5000))
    audit_id = store.save(_record("first"), table=table, model=model)
    # SQLite's own view of the file: one row, the upload's names kept as data only.
    ((row_id, title, document, table_name, model_name),) = _rows(tmp_path)
    assert (row_id, title, json.loads(document)["title"], table_name, model_name) == (
        audit_id,
        "first",
        "first",
        "../../evil name.csv",
        "model.skops",
    )
    on_disk = sorted(str(path.relative_to(tmp_path)) for path in tmp_path.rglob("*") if path.is_file())
    assert [name for name in on_disk if not name.startswith("audits.sqlite")] == [
        f"files/{audit_id}/model",
        f"files/{audit_id}/table",
    ]
    assert (tmp_path / "files" / audit_id / "model").read_bytes() == model.content
    assert store.stored_file(audit_id, "table") == table
    assert store.audit_json(audit_id) == _record("first").audit_json
    assert store.report_html(audit_id) == "<html>first</html>"
    store.rename(audit_id, "renamed")
    assert store.get(audit_id).title == "renamed" and _rows(tmp_path)[0][1] == "renamed"


def test_ids_carry_at_least_128_random_bits():
    store_ids = {new_audit_id() for _ in range(2000)}
    assert len(store_ids) == 2000
    for audit_id in list(store_ids)[:50]:
        assert valid_audit_id(audit_id)
        assert len(base64.urlsafe_b64decode(audit_id)) * 8 >= 128


@pytest.mark.parametrize("bad", BAD_IDS + ["Bz3kq2Xo8s9Lr0Tn4Yv7Wm1P"])  # the last: an id's form, but unknown
def test_ids_that_are_unknown_or_not_ids_are_no_such_audit(tmp_path, bad):
    store = AuditStore(tmp_path)
    kept = store.save(_record("kept"), table=StoredFile("t.csv", b"1"))
    for call in (
        store.get,
        store.audit_json,
        store.report_html,
        store.delete,
        lambda value: store.rename(value, "x"),
        lambda value: store.stored_file(value, "table"),
    ):
        with pytest.raises(NoSuchAuditError, match=f"^{NO_SUCH_AUDIT}$"):
            call(bad)
    assert [row[0] for row in _rows(tmp_path)] == [kept]  # nothing dropped, renamed or deleted
    assert (tmp_path / "files" / kept / "table").read_bytes() == b"1"


def test_delete_removes_the_row_and_the_files(tmp_path):
    store = AuditStore(tmp_path)
    first = store.save(_record("a"), table=StoredFile("t.csv", b"1"), model=StoredFile("m.skops", b"2"))
    second = store.save(_record("b"))
    store.delete(first)
    assert [row[0] for row in _rows(tmp_path)] == [second]
    assert not (tmp_path / "files" / first).exists()
    with pytest.raises(NoSuchAuditError):
        store.delete(first)


def test_a_corrupt_store_gets_a_plain_message_and_the_cli_exits_2(tmp_path, capsys, monkeypatch):
    (tmp_path / "audits.sqlite").write_bytes(b"this is not a database, " * 100)
    with pytest.raises(StoreError, match="cannot be read .*Move it aside"):
        AuditStore(tmp_path).list()
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path))
    assert main(["audits", "list"]) == 2
    error = capsys.readouterr().err
    assert "cannot be read" in error and "Traceback" not in error


def test_a_store_from_a_newer_fairdash_is_refused_in_words(tmp_path):
    AuditStore(tmp_path).save(_record())
    with sqlite3.connect(tmp_path / "audits.sqlite") as connection:
        connection.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="made by a newer fairdash .*store version 99"):
        AuditStore(tmp_path).list()


def test_an_sqlite_file_that_is_not_a_store_is_left_alone(tmp_path):
    with sqlite3.connect(tmp_path / "audits.sqlite") as connection:
        connection.execute("CREATE TABLE mine (x)")
    with pytest.raises(StoreError, match="not a fairdash audit store"):
        AuditStore(tmp_path).save(_record())
    with sqlite3.connect(tmp_path / "audits.sqlite") as connection:
        assert [row[0] for row in connection.execute("SELECT name FROM sqlite_master")] == ["mine"]


def test_saves_from_many_threads_at_once_all_land(tmp_path):
    store, ids, errors = AuditStore(tmp_path), [], []

    def save(number: int) -> None:
        try:
            ids.append(store.save(_record(f"t{number}", pad=200_000), table=StoredFile("t.csv", str(number).encode())))
        except Exception as error:  # collected: a thread's exception would not fail the test
            errors.append(error)

    threads = [threading.Thread(target=save, args=(number,)) for number in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(row[1] for row in _rows(tmp_path)) == sorted(f"t{number}" for number in range(10))
    assert {store.stored_file(audit_id, "table").content for audit_id in ids} == {str(number).encode() for number in range(10)}


_SAVER = """
import hashlib, io, json, os, shutil, signal, sqlite3, sys
from fairdash.store.db import AuditRecord, AuditStore, StoredFile

def save(store, number):
    content = hashlib.sha256(str(number).encode()).digest() * 20_000   # 640 kB of a table, known from its number
    document = json.dumps({"number": number, "pad": "y" * 300_000})
    store.save(AuditRecord(title=str(number), created="2026", data_name="d.csv", model_name=None, settings={}, headline={},
                           data_sha256=hashlib.sha256(content).hexdigest(), model_sha256=None, audit_json=document,
                           report_html="r" * 100_000), table=StoredFile("d.csv", content))

def saver(home, stop_at):
    # A copy of a store of two whole saves, then a third save that stops itself (SIGSTOP) right after its moment number stop_at: a call that
    # may change the files or the database has just returned (an SQL statement, a connection closed, a write, a flush,
    # a file closed, a folder made, an fsync, a rename). Exits 0 when the save has fewer moments.
    shutil.copytree(os.path.join(sys.argv[1], "two saves"), home)
    store, moments = AuditStore(home), 0
    def stop_at_moment(frame, event, function):
        nonlocal moments
        owner = getattr(function, "__self__", None)
        if event == "c_return" and (isinstance(owner, (sqlite3.Connection, io.IOBase)) or getattr(owner, "__name__", "") == "posix"):
            if moments == stop_at:
                sys.setprofile(None)
                os.kill(os.getpid(), signal.SIGSTOP)
            moments += 1
    sys.setprofile(stop_at_moment)
    save(store, 2)
    sys.setprofile(None)

two_saves = AuditStore(os.path.join(sys.argv[1], "two saves"))
save(two_saves, 0)
save(two_saves, 1)
# One saver process per moment, forked from this one (the imports done once); each stopped saver is killed (SIGKILL).
for stop_at in range(1000):
    pid = os.fork()
    if pid == 0:
        saver(os.path.join(sys.argv[1], str(stop_at)), stop_at)
        os._exit(0)
    _, status = os.waitpid(pid, os.WUNTRACED)
    if not os.WIFSTOPPED(status):
        print("whole", stop_at, os.waitstatus_to_exitcode(status), flush=True)
        break
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    print("killed", stop_at, flush=True)
"""


def _run_savers(home: Path) -> list[str]:
    """Run the savers (see ``_SAVER``); return the lines they print. Waits for each line, never for a fixed time."""
    process = subprocess.Popen(
        [sys.executable, "-c", _SAVER, str(home)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, text=True
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 300
        while not lines or not lines[-1].startswith("whole"):
            ready, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
            line = process.stdout.readline() if ready else ""
            if not line:
                raise AssertionError(f"the savers ended or hung before a save ran to its end: {''.join(lines)}")
            lines.append(line)
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
    return [line.strip() for line in lines]


def test_a_save_killed_at_any_moment_leaves_the_audit_whole_or_absent(tmp_path):
    """Kill a saving process (SIGKILL) right after each call of its save that may change the disk (an SQL statement,
    a write, an fsync, a rename...): SQLite finds the file sound, every audit it lists has its whole JSON and a table
    file whose SHA-256 is the one recorded; the kills before the commit leave the audit absent, those after it whole."""
    lines = _run_savers(tmp_path)
    assert lines[-1] == f"whole {len(lines) - 1} 0" and lines[:-1] == [f"killed {number}" for number in range(len(lines) - 1)]
    saved = []
    for number in range(len(lines)):
        home = tmp_path / str(number)
        with sqlite3.connect(home / "audits.sqlite") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            rows = connection.execute("SELECT id, title, audit_json, data_sha256 FROM audits").fetchall()
        store = AuditStore(home)
        assert sorted(saved.id for saved in store.list()) == sorted(row[0] for row in rows)
        for audit_id, title, document, sha in rows:
            assert json.loads(document)["number"] == int(title)
            assert hashlib.sha256((home / "files" / audit_id / "table").read_bytes()).hexdigest() == sha
        # Files of a save killed before its commit have no row: swept away (at once here; a live store waits ten minutes).
        store.sweep(older_than=0)
        assert sorted(path.name for path in (home / "files").iterdir()) == sorted(row[0] for row in rows)
        titles = sorted(row[1] for row in rows)
        assert titles in (["0", "1"], ["0", "1", "2"]), (lines[number], titles)
        saved.append(titles == ["0", "1", "2"])
    # Killed at 10 moments or more; absent when killed early, whole from the commit on (and when not killed at all).
    assert len(saved) > 10 and not saved[0] and saved[-1] and saved == sorted(saved), saved


def test_a_full_disk_on_save_is_a_message_and_the_store_stays_as_it_was(tmp_path, capsys, monkeypatch):
    """A real full disk: a 3 MB tmpfs (root only, as on CI and these machines)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    mount = tmp_path / "small"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True).returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        store = AuditStore(mount / "home")
        kept = store.save(_record("small"))
        with pytest.raises(StoreFullError, match="is full: the audit was not saved"):
            store.save(_record("big", pad=5_000_000))
        with pytest.raises(StoreFullError, match="is full"):
            store.save(_record("files"), table=StoredFile("t.csv", os.urandom(4_000_000)))
        assert [saved.id for saved in store.list()] == [kept]
        assert not any((mount / "home" / "files").iterdir())  # no half-written folder left
        monkeypatch.setenv("FAIRDASH_HOME", str(mount / "home"))
        data = tmp_path / "people.csv"
        data.write_text("g,y,s\n" + "a,1,0.7\nb,0,0.2\n" * 200_000)
        code = main(["audit", "--data", str(data), "--target", "y", "--sensitive", "g", "--score", "s", "--save", "--keep-files"])
        error = capsys.readouterr().err
        assert code == 2 and "is full" in error and "Traceback" not in error
        assert [saved.id for saved in store.list()] == [kept]
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_the_cli_saves_lists_shows_exports_and_deletes(tmp_path, monkeypatch, people):
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    data = tmp_path / "people.csv"
    people.to_csv(data, index=False)
    command = [
        sys.executable,
        "-m",
        "fairdash",
        "audit",
        "--data",
        str(data),
        "--target",
        "hired",
        "--positive-label",
        "yes",
        "--sensitive",
        "sex",
        "--score",
        "score",
        "--threshold",
        "0.5",
        "--save",
        "--title",
        "first try",
        "--keep-files",
        "--json",
        str(tmp_path / "audit.json"),
    ]
    env = {**os.environ, "FAIRDASH_HOME": str(tmp_path / "home"), "FAIRDASH_URL": "http://audits.example:8501"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("saved: ")
    audit_id, url = last.split()[1:]
    assert valid_audit_id(audit_id) and url == f"http://audits.example:8501/?audit={audit_id}"
    with sqlite3.connect(tmp_path / "home" / "audits.sqlite") as connection:
        title, settings, data_sha = connection.execute(
            "SELECT title, settings, data_sha256 FROM audits WHERE id = ?", (audit_id,)
        ).fetchone()
    assert title == "first try" and data_sha == hashlib.sha256(data.read_bytes()).hexdigest()
    assert json.loads(settings)["thresholds"] == 0.5 and json.loads(settings)["sensitive"] == ["sex"]

    def fairdash(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "fairdash", *args], capture_output=True, text=True, env=env, cwd=ROOT)

    listed = fairdash("audits", "list")
    assert listed.returncode == 0 and listed.stdout.split("\t")[0] == audit_id and "first try" in listed.stdout
    shown = fairdash("audits", "show", audit_id)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == json.loads((tmp_path / "audit.json").read_text())
    exported = fairdash("audits", "export", audit_id, "--out", str(tmp_path / "out"))
    assert exported.returncode == 0
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        "audit.json",
        "report.html",
        "settings.json",
        "table.csv",
    ]
    assert (tmp_path / "out" / "table.csv").read_bytes() == data.read_bytes()
    for bad in ("../", "x' OR '1'='1", "a" * 10_000):
        refused = fairdash("audits", "show", bad)
        assert refused.returncode == 2 and refused.stderr.strip() == "fairdash: error: no such audit"
    assert fairdash("audits", "delete", audit_id).returncode == 0
    assert fairdash("audits", "list").stdout == "" and not (tmp_path / "home" / "files" / audit_id).exists()


def test_a_draft_is_written_replaced_and_expires(tmp_path):
    store = AuditStore(tmp_path)
    draft_id = new_audit_id()
    store.save_draft(draft_id, {"thresholds": 0.4}, table=StoredFile("a.csv", b"first"), keep_files=False)
    with sqlite3.connect(tmp_path / "audits.sqlite") as connection:
        (first_folder,) = connection.execute("SELECT files_dir FROM drafts").fetchone()
    assert (tmp_path / "files" / first_folder / "table").read_bytes() == b"first"
    store.save_draft(draft_id, {"thresholds": 0.6}, keep_files=True)  # a slider move: the row only
    assert store.get_draft(draft_id).settings == {"thresholds": 0.6} and store.draft_file(draft_id, "table").content == b"first"
    store.save_draft(draft_id, {"thresholds": 0.6}, table=StoredFile("b.csv", b"second"), keep_files=False)  # another upload
    assert store.draft_file(draft_id, "table") == StoredFile("b.csv", b"second")
    assert not (tmp_path / "files" / first_folder).exists()
    assert store.sweep(older_than=0) == [] and store.list() == []  # a draft's folder is not an orphan, nor an audit
    with sqlite3.connect(tmp_path / "audits.sqlite") as connection:
        connection.execute("UPDATE drafts SET updated = '2000-01-01T00:00:00'")
    store.sweep(older_than=0)
    with pytest.raises(NoSuchAuditError):
        store.get_draft(draft_id)
    assert list((tmp_path / "files").iterdir()) == []
    for bad in BAD_IDS:
        with pytest.raises(NoSuchAuditError):
            store.get_draft(bad)


def test_an_expired_draft_is_gone_without_a_save_and_a_new_tabs_draft_sweeps_it(tmp_path):
    """Drafts expired only when someone saved an audit, and an expired one not swept yet still came back."""
    store = AuditStore(tmp_path)
    old_tab, new_tab = new_audit_id(), new_audit_id()
    store.save_draft(old_tab, {"thresholds": 0.4}, table=StoredFile("a.csv", b"x" * 1000), keep_files=False)
    with sqlite3.connect(tmp_path / "audits.sqlite") as connection:
        connection.execute("UPDATE drafts SET updated = '2000-01-01T00:00:00'")
        (folder,) = connection.execute("SELECT files_dir FROM drafts").fetchone()
    os.utime(tmp_path / "files" / folder, (0, 0))  # its files as old as its row
    with pytest.raises(NoSuchAuditError):
        store.get_draft(old_tab)
    store.save_draft(new_tab, {"thresholds": 0.5}, keep_files=False)
    with sqlite3.connect(tmp_path / "audits.sqlite") as connection:
        assert [row[0] for row in connection.execute("SELECT id FROM drafts")] == [new_tab]
    assert not (tmp_path / "files" / folder).exists()


TITLES = [  # given, kept: control characters (an escape sequence, a bell, tabs, newlines, NUL) as spaces, one space a run
    ("  Q3 model  ", "Q3 model"),
    ("evil\x1b]0;pwned\x07\x1b[2J", "evil ]0;pwned [2J"),
    ("two\n\nlines\tand\x00a tab", "two lines and a tab"),
    ("right\u202eto left", "right to left"),  # a bidirectional override (format character) as well
    ("é" * 250, "é" * 200),  # cut at 200 characters
    ("a" * 199 + " \x1b" + "b" * 5, "a" * 199),  # cut, then no space left at the end
]


@pytest.mark.parametrize("given, kept", TITLES)
def test_a_title_is_tidied_the_same_at_a_save_and_a_rename(tmp_path, given, kept):
    store = AuditStore(tmp_path)
    saved = store.save(_record(given))
    renamed = store.save(_record("before"))
    store.rename(renamed, given)
    assert {row[0]: row[1] for row in _rows(tmp_path)} == {saved: kept, renamed: kept}  # was kept as given


@pytest.mark.parametrize("empty", ["", "   ", "\n\t", "\x1b\x07\x00", "\u200b\u202e"])
def test_an_empty_title_is_refused_at_a_save_and_a_rename(tmp_path, empty):
    from fairdash.errors import InvalidInputError

    store = AuditStore(tmp_path)
    audit_id = store.save(_record("kept"))
    with pytest.raises(InvalidInputError, match="title cannot be empty"):
        store.rename(audit_id, empty)
    with pytest.raises(InvalidInputError, match="title cannot be empty"):
        store.save(_record(empty))
    assert [(row[0], row[1]) for row in _rows(tmp_path)] == [(audit_id, "kept")]


def test_audits_rename_tidies_the_title_and_refuses_an_empty_one(tmp_path):
    home = tmp_path / "home"
    audit_id = AuditStore(home).save(_record("first"))
    environment = {**os.environ, "FAIRDASH_HOME": str(home), "PYTHONPATH": os.environ.get("PYTHONPATH", "")}

    def rename(title: bytes) -> subprocess.CompletedProcess:
        # bytes: a title the terminal sent that is not UTF-8 reaches Python as lone surrogates (it was an exit 3 in SQLite)
        return subprocess.run(
            [sys.executable.encode(), b"-m", b"fairdash", b"audits", b"rename", audit_id.encode(), title],
            capture_output=True,
            cwd=ROOT,
            env=environment,
        )

    done = rename(b"  new\x1b[2J\ttitle \xff\xfe end ")
    assert done.returncode == 0, done.stderr
    assert _rows(home)[0][1] == "new [2J title end"
    for empty in (b"", b"  \t ", b"\x1b\x07"):
        done = rename(empty)
        error = done.stderr.decode()
        assert (
            done.returncode == 2
            and error.startswith("fairdash: error: ")
            and error.count("\n") == 1
            and "title cannot be empty" in error
        )
    assert _rows(home)[0][1] == "new [2J title end"


def test_audit_save_refuses_an_empty_title_before_it_writes_anything(tmp_path, monkeypatch, people, capsys):
    monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path / "home"))
    people.to_csv(tmp_path / "people.csv", index=False)
    arguments = [
        "audit",
        "--data",
        str(tmp_path / "people.csv"),
        "--target",
        "hired",
        "--positive-label",
        "yes",
        "--sensitive",
        "sex",
        "--score",
        "score",
        "--threshold",
        "0.5",
        "--no-explain",
        "--json",
        str(tmp_path / "audit.json"),
        "--save",
        "--title",
    ]
    assert main([*arguments, " \x1b "]) == 2  # was saved, titled with the escape character
    assert "title cannot be empty" in capsys.readouterr().err and not (tmp_path / "audit.json").exists()
    assert main([*arguments, "spring\nrelease"]) == 0
    assert [saved.title for saved in AuditStore(tmp_path / "home").list()] == ["spring release"]


def _open_read_only(monkeypatch) -> None:
    """SQLite opens the store as it opens a file this user may not write (SQLITE_OPEN_READONLY, what ``mode=ro`` asks):
    a read-only store that any user, root included, can make (root ignores file modes)."""
    connect = sqlite3.connect

    def read_only(path, *args, **kwargs):
        return connect(f"{Path(path).as_uri()}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)


@pytest.mark.parametrize("how", ["opened read-only", "chattr +i"])
def test_a_read_only_store_is_called_read_only_and_still_reads(tmp_path, monkeypatch, capsys, how):
    """An intact store that may not be written is "read-only" (never "damaged ... move it aside", which would lose its
    audits): listing and reading work; a save, rename or delete is refused in words and changes nothing. chattr +i makes
    the file immutable even to root (a file mode does not stop root); it needs root and a file system with the flag."""
    store = AuditStore(tmp_path)
    kept = store.save(_record("kept"))
    before = _rows(tmp_path)
    if how == "opened read-only":
        _open_read_only(monkeypatch)
    elif os.geteuid() != 0 or subprocess.run(["chattr", "+i", str(tmp_path / "audits.sqlite")], capture_output=True).returncode:
        pytest.skip("chattr +i needs root and a file system with the flag; the 'opened read-only' case stands for it")
    try:
        assert [saved.id for saved in store.list()] == [kept] and store.get(kept).title == "kept"
        assert json.loads(store.audit_json(kept))["title"] == "kept"
        for write in (lambda: store.save(_record("new")), lambda: store.rename(kept, "other"), lambda: store.delete(kept)):
            with pytest.raises(StoreReadOnlyError, match=r"is read-only: saving .*needs write access; reading works") as caught:
                write()
            assert "damaged" not in str(caught.value) and "Move it aside" not in str(caught.value)
        monkeypatch.setenv("FAIRDASH_HOME", str(tmp_path))
        assert main(["audits", "list"]) == 0 and kept in capsys.readouterr().out
        assert main(["audits", "rename", kept, "other"]) == 2
        error = capsys.readouterr().err
        assert "read-only" in error and "damaged" not in error and "Traceback" not in error
    finally:
        monkeypatch.undo()
        if how == "chattr +i":
            subprocess.run(["chattr", "-i", str(tmp_path / "audits.sqlite")], check=True)
    assert _rows(tmp_path) == before


def test_a_store_in_a_read_only_folder_is_not_called_damaged(tmp_path, monkeypatch):
    """A read-only folder: SQLite cannot make its -wal and -shm files beside the store, so even reading fails
    (SQLITE_READONLY_DIRECTORY, as a user without write access to the folder sees it; simulated here, as root writes
    anyway): the message names the folder and says the store is not damaged."""
    AuditStore(tmp_path).save(_record())

    def refused(*args, **kwargs):
        error = sqlite3.OperationalError("attempt to write a readonly database")
        error.sqlite_errorcode = 8 | (6 << 8)  # SQLITE_READONLY_DIRECTORY
        raise error

    monkeypatch.setattr(sqlite3, "connect", refused)
    with pytest.raises(StoreReadOnlyError, match="read-only folder .*not damaged") as caught:
        AuditStore(tmp_path).list()
    assert "Move it aside" not in str(caught.value)


def test_a_new_id_never_starts_with_a_dash_which_a_command_line_reads_as_an_option(monkeypatch):
    """token_urlsafe starts with "-" one time in 64, and `compare ID ID` then failed with a usage error."""
    from fairdash.store import db

    drawn = iter(["-" + "a" * 23, "-" + "b" * 23, "c" * 24])
    monkeypatch.setattr(db.secrets, "token_urlsafe", lambda nbytes: next(drawn))
    assert db.new_audit_id() == "c" * 24
    monkeypatch.undo()
    assert not any(db.new_audit_id().startswith("-") for _ in range(2000))
