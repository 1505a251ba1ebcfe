"""Owners, sharing and history of saved audits, in the store (issue 30): who sees and changes what, "not allowed" told
exactly as "no such audit", hostile user names refused, the in-place migration of a version-1 store (atomic), two users
saving at once, and the command line (``audit --save --owner``, ``audits share/unshare/history``). Oracles: the SQLite
file read with sqlite3, and the rules written out by hand."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from fairdash.cli import main
from fairdash.errors import InvalidInputError
from fairdash.store import db
from fairdash.store.access import ADMIN, LOCAL_OWNER, MAX_USER_LENGTH, Visitor, valid_user
from fairdash.store.db import NO_SUCH_AUDIT, AuditRecord, AuditStore, NoSuchAuditError, StoredFile

ALICE, BOB, CAROL = "alice@example.com", "bob@example.com", "carol@example.com"


def _record(title: str = "t") -> AuditRecord:
    return AuditRecord(
        title=title,
        created="2026-12-02T10:00:00+00:00",
        data_name="people.csv",
        model_name=None,
        settings={"target": "hired", "thresholds": 0.5},
        data_sha256=None,
        model_sha256=None,
        headline={"demographic_parity_ratio": {"value": 0.7, "passed": False}},
        audit_json=json.dumps({"title": title}),
        report_html=f"<html>{title}</html>",
    )


def _as(home: Path, user: str) -> AuditStore:
    return AuditStore(home, visitor=Visitor.signed_in(user))


@pytest.fixture
def home(tmp_path) -> Path:
    return tmp_path / "home"


def _refused_as_unknown(call) -> None:
    """The call fails exactly as for an id no audit has: the same class, the same message."""
    with pytest.raises(NoSuchAuditError) as caught:
        call()
    assert type(caught.value) is NoSuchAuditError and str(caught.value) == NO_SUCH_AUDIT


def test_each_user_sees_their_own_the_shared_and_the_team_audits_only(home):
    alice, bob = _as(home, ALICE), _as(home, BOB)
    mine = alice.save(_record("alice's"), table=StoredFile("t.csv", b"a,b\n1,2\n"))
    team = AuditStore(home).save(_record("pipeline"))  # the administrator, no owner: a team audit
    assert [saved.id for saved in alice.list()] == [team, mine] or {s.id for s in alice.list()} == {team, mine}
    assert {saved.id for saved in bob.list()} == {team}
    assert alice.get(mine).owner == ALICE and bob.get(team).owner is None
    for call in (
        lambda: bob.get(mine),
        lambda: bob.audit_json(mine),
        lambda: bob.report_html(mine),
        lambda: bob.stored_file(mine, "table"),
        lambda: bob.rename(mine, "taken"),
        lambda: bob.delete(mine),
        lambda: bob.share(mine, [CAROL]),
        lambda: bob.unshare(mine, [BOB]),
        lambda: bob.history(mine),
        lambda: bob.sharing(mine),
        lambda: bob.record_export(mine),
    ):
        _refused_as_unknown(call)
    _refused_as_unknown(lambda: bob.get(db.new_audit_id()))  # the oracle: an id nobody has
    # Renaming, deleting and sharing a team audit are the administrator's (its owner): a user's crafted call is refused.
    for call in (lambda: alice.rename(team, "x"), lambda: alice.delete(team), lambda: alice.share(team, [BOB])):
        _refused_as_unknown(call)
    with sqlite3.connect(home / "audits.sqlite") as connection:
        assert dict(connection.execute("SELECT id, title FROM audits")) == {mine: "alice's", team: "pipeline"}


def test_sharing_with_a_user_and_the_team_and_taking_it_back(home):
    alice, bob, carol = _as(home, ALICE), _as(home, BOB), _as(home, CAROL)
    audit_id = alice.save(_record())
    assert alice.share(audit_id, ["Bob@Example.com"]) == db.Sharing(users=(BOB,), team=False)
    assert bob.get(audit_id).id == audit_id and [saved.id for saved in bob.list()] == [audit_id]
    assert carol.list() == []
    _refused_as_unknown(lambda: bob.rename(audit_id, "mine now"))  # shared to read, never to rename or delete
    _refused_as_unknown(lambda: bob.delete(audit_id))
    _refused_as_unknown(lambda: bob.share(audit_id, [CAROL]))
    assert alice.share(audit_id, team=True).team
    assert carol.get(audit_id).id == audit_id
    alice.unshare(audit_id, [BOB])
    assert bob.get(audit_id).id == audit_id  # still through the team
    alice.unshare(audit_id, team=True)
    _refused_as_unknown(lambda: bob.get(audit_id))
    _refused_as_unknown(lambda: carol.get(audit_id))
    with pytest.raises(InvalidInputError, match="owns this audit already"):
        alice.share(audit_id, [ALICE])
    with pytest.raises(InvalidInputError, match="not shared with"):
        alice.unshare(audit_id, [BOB])
    alice.rename(audit_id, "renamed")
    alice.record_export(audit_id, "JSON")
    alice.delete(audit_id)
    history = AuditStore(home).history(audit_id)  # the administrator reads it after the delete
    assert [(entry.who, entry.what, entry.detail) for entry in history] == [
        (ALICE, "saved", f"owner {ALICE}"),
        (ALICE, "shared", BOB),
        (ALICE, "shared", "the team"),
        (ALICE, "unshared", BOB),
        (ALICE, "unshared", "the team"),
        (ALICE, "renamed", "renamed"),
        (ALICE, "exported", "JSON"),
        (ALICE, "deleted", None),
    ]
    assert all(entry.at.endswith("Z") for entry in history)
    with sqlite3.connect(home / "audits.sqlite") as connection:
        assert connection.execute("SELECT count(*) FROM shares").fetchone() == (0,)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "alice",
        "alice@",
        "@example.com",
        "a@b@example.com",
        "alice@example.com, bob@example.com",
        "alice@example.com bob@example.com",
        "alice@exa\x00mple.com",
        "ali\nce@example.com",
        "alice@example.com\r\nX-Injected: 1",
        "ålice@example.com",
        "alice@-example.com",
        "a" * 10_000 + "@example.com",
        "x" * 245 + "@example.com",
        None,
        42,
        ["alice@example.com"],
    ],
)
def test_a_value_that_is_not_one_email_address_is_refused_in_plain_words(home, bad):
    with pytest.raises(InvalidInputError) as caught:
        valid_user(bad)
    assert "alice@example.com" in str(caught.value) and len(str(caught.value)) < 200  # says what to give, one short line
    owner = _as(home, ALICE).save(_record())
    with pytest.raises(InvalidInputError):
        _as(home, ALICE).share(owner, [bad])
    if bad is not None:  # None is no owner: a team audit
        with pytest.raises(InvalidInputError):
            AuditStore(home).save(_record(), owner=bad)
    with sqlite3.connect(home / "audits.sqlite") as connection:  # nothing reached the store
        assert connection.execute("SELECT count(*) FROM shares").fetchone() == (0,)
        assert connection.execute("SELECT count(*) FROM audits").fetchone() == (1,)


def test_addresses_at_the_limit_are_taken_and_lowercased():
    longest = "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".exampl"  # 254 characters
    assert len(longest) == MAX_USER_LENGTH and valid_user(longest) == longest
    with pytest.raises(InvalidInputError):
        valid_user(longest + "e")
    assert valid_user("O'Brien+fair@Example.CO.uk") == "o'brien+fair@example.co.uk"


def test_without_sign_in_the_store_lists_only_what_the_session_was_given(home):
    team = AuditStore(home).save(_record("pipeline"))
    alice_own = _as(home, ALICE).save(_record("alice's"))
    fresh = AuditStore(home, visitor=Visitor.local())
    assert fresh.list() == []
    local_id = fresh.save(_record("saved here"))
    assert AuditStore(home).get(local_id).owner == LOCAL_OWNER
    assert fresh.get(team).id == team  # a link opens it
    given = AuditStore(home, visitor=Visitor.local([local_id, team, alice_own]))
    assert {saved.id for saved in given.list()} == {local_id, team}  # a user's own audit needs sign-in, even given its id
    _refused_as_unknown(lambda: given.get(alice_own))
    with pytest.raises(InvalidInputError, match="Sharing needs sign-in"):
        given.share(local_id, [BOB])
    assert [saved.id for saved in _as(home, BOB).list()] == [team]  # a user does not see what was saved without sign-in


def test_drafts_belong_to_their_user(home):
    draft_id = db.new_audit_id()
    _as(home, ALICE).save_draft(draft_id, {"source": {"kind": "upload"}}, table=StoredFile("t.csv", b"secret"), keep_files=False)
    assert _as(home, ALICE).draft_file(draft_id, "table").content == b"secret"
    for call in (
        lambda: _as(home, BOB).get_draft(draft_id),
        lambda: _as(home, BOB).draft_file(draft_id, "table"),
        lambda: AuditStore(home, visitor=Visitor.local()).get_draft(draft_id),
        lambda: _as(home, BOB).save_draft(draft_id, {"stolen": True}, keep_files=False),
    ):
        _refused_as_unknown(call)
    assert _as(home, ALICE).get_draft(draft_id).settings == {"source": {"kind": "upload"}}  # not overwritten by Bob


# The store as fairdash 2026-12-07 (schema version 1) made it: its SQL, as db.py held it then.
V1_SCHEMA = """
CREATE TABLE audits (id TEXT PRIMARY KEY, title TEXT NOT NULL, created TEXT NOT NULL, data_name TEXT NOT NULL, model_name TEXT,
    settings TEXT NOT NULL, data_sha256 TEXT, model_sha256 TEXT, headline TEXT NOT NULL, audit_json TEXT NOT NULL,
    report_html TEXT NOT NULL, table_file TEXT, model_file TEXT);
CREATE INDEX audits_by_time ON audits (created);
CREATE TABLE drafts (id TEXT PRIMARY KEY, updated TEXT NOT NULL, settings TEXT NOT NULL, table_file TEXT, model_file TEXT, files_dir TEXT);
PRAGMA application_id = 1178878291;
PRAGMA user_version = 1;
"""


def _v1_store(home: Path) -> str:
    home.mkdir(parents=True)
    audit_id = db.new_audit_id()
    with sqlite3.connect(home / "audits.sqlite") as connection:
        connection.executescript(V1_SCHEMA)
        connection.execute(
            "INSERT INTO audits VALUES (?, 'old', '2026-01-01T00:00:00+00:00', 'd.csv', NULL, '{}', NULL, NULL, '{}', "
            "'{\"a\": 1}', '<html>old</html>', NULL, NULL)",
            (audit_id,),
        )
    return audit_id


def _version_and_columns(home: Path) -> tuple[int, list[str]]:
    with sqlite3.connect(home / "audits.sqlite") as connection:
        return (
            connection.execute("PRAGMA user_version").fetchone()[0],
            [row[1] for row in connection.execute("PRAGMA table_info(audits)")],
        )


def test_a_version_1_store_is_migrated_in_place_its_audits_becoming_team_audits(home):
    old = _v1_store(home)
    assert _version_and_columns(home)[0] == 1
    assert [saved.id for saved in _as(home, BOB).list()] == [old]  # opened by a user: migrated first
    version, columns = _version_and_columns(home)
    assert version == db.SCHEMA_VERSION == 2 and "owner" in columns
    assert AuditStore(home).audit_json(old) == '{"a": 1}' and AuditStore(home).get(old).owner is None
    new = _as(home, ALICE).save(_record())
    assert {saved.id for saved in AuditStore(home).list()} == {old, new}


def test_a_migration_that_fails_half_way_leaves_the_version_1_store_as_it_was(home, monkeypatch):
    old = _v1_store(home)
    before = (home / "audits.sqlite").read_bytes()
    monkeypatch.setitem(db._MIGRATIONS, 1, db._MIGRATIONS[1] + ";CREATE TABLE audits (x)")  # the last step fails
    with pytest.raises(db.StoreError):
        AuditStore(home).list()
    assert _version_and_columns(home) == (
        1,
        [
            "id",
            "title",
            "created",
            "data_name",
            "model_name",
            "settings",
            "data_sha256",
            "model_sha256",
            "headline",
            "audit_json",
            "report_html",
            "table_file",
            "model_file",
        ],
    )
    with sqlite3.connect(home / "audits.sqlite") as connection:
        assert {row[0] for row in connection.execute("SELECT name FROM sqlite_master")} == {
            "audits",
            "audits_by_time",
            "drafts",
            "sqlite_autoindex_audits_1",
            "sqlite_autoindex_drafts_1",
        }
    monkeypatch.undo()
    assert before  # the file was readable before; the migration runs whole on the next open
    assert AuditStore(home).get(old).id == old and _version_and_columns(home)[0] == 2


def test_two_users_saving_at_once_on_a_store_being_migrated(home):
    old = _v1_store(home)
    start, ids, errors = threading.Barrier(2), {ALICE: [], BOB: []}, []

    def save_many(user: str) -> None:
        store = _as(home, user)
        start.wait()
        try:
            for number in range(15):
                ids[user].append(store.save(_record(f"{user} {number}"), table=StoredFile("t.csv", user.encode())))
        except Exception as error:  # noqa: BLE001 - collected and asserted empty below
            errors.append(error)

    threads = [threading.Thread(target=save_many, args=(user,)) for user in (ALICE, BOB)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sqlite3.connect(home / "audits.sqlite") as connection:
        owners = dict(connection.execute("SELECT id, owner FROM audits"))
    assert owners == {old: None, **{audit_id: user for user in (ALICE, BOB) for audit_id in ids[user]}}
    assert {saved.id for saved in _as(home, ALICE).list()} == {old, *ids[ALICE]}
    assert all(_as(home, BOB).stored_file(audit_id, "table").content == BOB.encode() for audit_id in ids[BOB])


def _saved_id(capsys) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1].split()[1]


def test_the_command_line_saves_for_an_owner_shares_and_shows_the_history(home, monkeypatch, capsys, tmp_path):
    import numpy as np
    import pandas as pd

    monkeypatch.setenv("FAIRDASH_HOME", str(home))
    rng = np.random.default_rng(0)
    data = tmp_path / "d.csv"
    pd.DataFrame({"g": rng.choice(["a", "b"], 300), "y": rng.integers(0, 2, 300), "s": rng.uniform(size=300)}).to_csv(
        data, index=False
    )
    audit = [
        "audit",
        "--data",
        str(data),
        "--target",
        "y",
        "--positive-label",
        "1",
        "--sensitive",
        "g",
        "--score",
        "s",
        "--no-explain",
    ]
    assert main([*audit, "--save", "--owner", "Alice@Example.com"]) == 0
    owned = _saved_id(capsys)
    assert main([*audit, "--save"]) == 0
    team = _saved_id(capsys)
    assert AuditStore(home).get(owned).owner == ALICE and AuditStore(home).get(team).owner is None
    _refused_as_unknown(lambda: _as(home, BOB).get(owned))
    assert main(["audits", "share", owned, BOB, CAROL]) == 0
    assert capsys.readouterr().out.strip() == f"{owned} shared with: {BOB}, {CAROL}"
    assert _as(home, BOB).get(owned).id == owned
    assert main(["audits", "unshare", owned, BOB]) == 0 and main(["audits", "share", owned, "--team"]) == 0
    capsys.readouterr()
    assert main(["audits", "history", owned]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.strip().splitlines()]
    assert [(line[1], line[2], line[3]) for line in lines] == [
        ("administrator (command line)", "saved", f"owner {ALICE}"),
        ("administrator (command line)", "shared", BOB),
        ("administrator (command line)", "shared", CAROL),
        ("administrator (command line)", "unshared", BOB),
        ("administrator (command line)", "shared", "the team"),
    ]


@pytest.mark.parametrize(
    "argv, said",
    [
        (["audits", "share", "ID", "alice@example.com,bob@example.com"], "several values"),
        (["audits", "share", "ID", "x" * 10_000], "longer than an email address"),
        (["audits", "share", "ID", "not-an-address"], "not an email address"),
        (["audits", "share", "ID"], "needs at least one EMAIL or --team"),
        (["audits", "unshare", "ID", "carol@example.com"], "not shared with"),
        (["audits", "share", "ID", "alice@example.com"], "owns this audit already"),
        (["audits", "history", "AAAAAAAAAAAAAAAAAAAAAAAA"], NO_SUCH_AUDIT),
        (["audits", "share", "../etc/passwd", "bob@example.com"], NO_SUCH_AUDIT),
        (
            ["audit", "--data", "d.csv", "--target", "y", "--sensitive", "g", "--score", "s", "--owner", "alice@example.com"],
            "--owner goes with --save",
        ),
        (
            [
                "audit",
                "--data",
                "d.csv",
                "--target",
                "y",
                "--sensitive",
                "g",
                "--score",
                "s",
                "--save",
                "--owner",
                "a\x1b[2J@b.c",
            ],
            "not an email address",
        ),
    ],
)
def test_bad_input_to_the_command_line_is_exit_2_and_one_line(home, monkeypatch, capsys, argv, said):
    monkeypatch.setenv("FAIRDASH_HOME", str(home))
    audit_id = AuditStore(home).save(_record(), owner=ALICE)
    assert main([audit_id if part == "ID" else part for part in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and said in err, err


def test_the_administrator_sees_every_audit(home):
    ids = {
        _as(home, ALICE).save(_record()),
        AuditStore(home, visitor=Visitor.local()).save(_record()),
        AuditStore(home).save(_record()),
    }
    assert {saved.id for saved in AuditStore(home).list()} == ids and AuditStore(home).visitor == ADMIN
