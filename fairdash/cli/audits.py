"""``python -m fairdash audits``: the saved audits (``audit --save``, the dashboard's "Save this audit").

    python -m fairdash audits list                 one line an audit, id first, newest first
    python -m fairdash audits show ID              the audit's JSON on stdout
    python -m fairdash audits export ID --out DIR  its JSON, report, settings and kept files into DIR
    python -m fairdash audits rename ID TITLE
    python -m fairdash audits delete ID
    python -m fairdash audits share ID EMAIL [EMAIL ...] [--team]   share with users (and/or the whole team)
    python -m fairdash audits unshare ID [EMAIL ...] [--team]       take it back
    python -m fairdash audits history ID           who saved, shared, renamed, exported, deleted it, and when

The store is ``FAIRDASH_HOME`` (default ``~/.fairdash``). An id that is unknown, or not an id, is "no such audit" (exit 2).
The command line acts as the store's administrator, the person with the disk: it sees and changes every audit, whoever
owns it (sign-in and owners are for the dashboard; see docs/saved-audits.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fairdash.cli.common import EXIT_PASS, one_line
from fairdash.errors import InvalidInputError
from fairdash.present.text import inconclusive_note, verdict_word
from fairdash.store.db import AuditStore, HistoryEntry, SavedAudit, StoredFile, audit_url

__all__ = ["HELP", "DESCRIPTION", "add_arguments", "run", "list_line", "export_audit", "history_line"]

HELP = "list, show, export, rename, delete, share or unshare saved audits, and their history"
DESCRIPTION = "The audits kept in the store (FAIRDASH_HOME, default ~/.fairdash) by 'audit --save' and the dashboard."

_TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".pq")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments of ``audits``: one sub-command each."""
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="one line an audit: id, time, title, data, model, headline disparities with verdicts")
    show = actions.add_parser("show", help="the audit's JSON on stdout")
    show.add_argument("id")
    export = actions.add_parser("export", help="write the audit's JSON, HTML report, settings and kept files into a folder")
    export.add_argument("id")
    export.add_argument("--out", required=True, metavar="DIR", help="the folder to write into (made if absent)")
    rename = actions.add_parser("rename", help="give a saved audit another title")
    rename.add_argument("id")
    rename.add_argument("title")
    delete = actions.add_parser("delete", help="remove a saved audit and its files")
    delete.add_argument("id")
    for action, words in (
        ("share", "share a saved audit with users (EMAIL ...) and/or the whole team (--team)"),
        ("unshare", "take a saved audit back from users (EMAIL ...) and/or the whole team (--team)"),
    ):
        sharing = actions.add_parser(action, help=words)
        sharing.add_argument("id")
        sharing.add_argument("users", nargs="*", metavar="EMAIL")
        sharing.add_argument("--team", action="store_true", help="every signed-in user")
    history = actions.add_parser("history", help="who saved, shared, unshared, renamed, exported and deleted it, and when")
    history.add_argument("id")


def run(args: argparse.Namespace) -> int:
    """Carry out the action; 0 when done (errors are raised and become exit 2)."""
    store = AuditStore()
    if args.action == "list":
        for saved in store.list():
            print(list_line(saved))
    elif args.action == "show":
        from fairdash.store.saving import saved_audit_json

        print(saved_audit_json(store, args.id))
    elif args.action == "export":
        for path in export_audit(store, args.id, Path(args.out)):
            print(f"wrote {path}")
        store.record_export(args.id, "export to a folder")
    elif args.action in ("share", "unshare", "history"):
        _sharing_action(store, args)
    elif args.action == "rename":
        store.rename(args.id, args.title)
        print(f"renamed {args.id}")
    else:
        store.delete(args.id)
        print(f"deleted {args.id}")
    return EXIT_PASS


def _sharing_action(store: AuditStore, args: argparse.Namespace) -> None:
    if args.action == "history":
        for entry in store.history(args.id):
            print(history_line(entry))
        return
    if not args.users and not args.team:
        raise InvalidInputError(f"audits {args.action} needs at least one EMAIL or --team.")
    sharing = getattr(store, args.action)(args.id, args.users, team=args.team)
    shared = list(sharing.users) + (["the whole team"] if sharing.team else [])
    print(f"{args.id} shared with: {', '.join(shared) if shared else 'nobody'}")


def history_line(entry: HistoryEntry) -> str:
    """One thing done to an audit on one line: time, who, what, detail (tab-separated, each field on one line)."""
    return "\t".join(one_line(field) for field in (entry.at, entry.who, entry.what, entry.detail or ""))


def list_line(saved: SavedAudit) -> str:
    """One audit on one line, id first (tab-separated: title and names come from users and may hold spaces)."""
    headline = " ".join(
        f"{name}={'undefined' if found['value'] is None else format(found['value'], '.3f')}{_verdict(found)}"
        for name, found in saved.headline.items()
    )
    fields = [
        saved.id,
        saved.created,
        saved.title,
        saved.data_name,
        saved.model_name or f"score column {saved.settings.get('score')}",
        headline,
    ]
    return "\t".join(one_line(field) for field in fields)  # a tab, newline or escape in a title stays inside its field


def _verdict(found: dict) -> str:
    """``"(pass)"``, ``"(FAIL, inconclusive)"``, or ``""`` without a verdict."""
    word, note = verdict_word(found, loud=True), inconclusive_note(found, short=True)
    return f"({word}{', ' + note if note else ''})" if word else ""


def export_audit(store: AuditStore, audit_id: str, out: Path) -> list[Path]:
    """Write ``audit.json``, ``report.html``, ``settings.json`` and the kept ``table.*``/``model.*`` into ``out``
    (file names made here, never the upload's); return the paths written."""
    saved = store.get(audit_id)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InvalidInputError(f"Cannot make the folder {out}: {error.strerror or error}.") from None
    from fairdash.store.saving import saved_audit_json

    written = {
        out / "audit.json": saved_audit_json(store, audit_id),
        out / "report.html": store.report_html(audit_id),
        out / "settings.json": json.dumps(
            {
                "id": saved.id,
                "title": saved.title,
                "created": saved.created,
                "url": audit_url(saved.id),
                "data_sha256": saved.data_sha256,
                "model_sha256": saved.model_sha256,
                **saved.settings,
            },
            indent=2,
        ),
    }
    for path, text in written.items():
        path.write_text(text, encoding="utf-8")
    paths = list(written)
    for kind in ("table", "model"):
        stored = store.stored_file(audit_id, kind)
        if stored is not None:
            path = out / f"{kind}{_suffix(stored, kind)}"
            path.write_bytes(stored.content)
            paths.append(path)
    return paths


def _suffix(stored: StoredFile, kind: str) -> str:
    """The extension the format needs, from a fixed list (``.bin`` when the uploaded name has none of them)."""
    from fairdash.intake.models import MODEL_SUFFIXES
    from fairdash.intake.sources import suffix_of

    known = _TABLE_SUFFIXES if kind == "table" else MODEL_SUFFIXES
    suffix = suffix_of(stored.name)
    if suffix not in known:
        return ".bin"
    return suffix + (".gz" if stored.name.lower().endswith(".gz") else "")
