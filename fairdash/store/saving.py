"""An audit as the store keeps it: its settings, the SHA-256 of its data and model, the JSON and the report."""

from __future__ import annotations

import datetime as _datetime
import hashlib
import json
from typing import Any, Mapping

from fairdash.engine.findings import HEADLINE
from fairdash.run import Audit
from fairdash.store.db import AuditRecord, AuditStore, StoredFile, tidy_title

__all__ = ["HEADLINE", "audit_record", "record_from_document", "save_audit", "sha256_of", "saved_settings", "saved_audit_json"]


def sha256_of(content: bytes | None) -> str | None:
    """The SHA-256 of a file's bytes, in hex (``None`` for no file)."""
    return hashlib.sha256(content).hexdigest() if content is not None else None


def saved_settings(
    document: Mapping[str, Any], source: Mapping[str, Any], *, min_group_size: int | None = None
) -> dict[str, Any]:
    """What reopens the audit: the columns and their meaning, the bins, thresholds, tolerance, small-group minimum
    (the document's ``settings.min_group_size``; ``min_group_size`` for a document from before it was written there),
    the columns held equal (the document's ``conditional.control``, when the audit had a control), and where the data
    came from (``source``: ``{"kind": "demo", "demo": KEY}``, ``{"kind": "upload"}``, ``{"kind": "file"}``)."""
    settings = document["settings"]
    min_group_size = settings.get("min_group_size", min_group_size)
    if min_group_size is None:
        raise ValueError("The audit's JSON has no settings.min_group_size; pass min_group_size.")
    return {
        "source": dict(source),
        "target": settings["target"],
        "positive_label": settings["positive_label"],
        "sensitive": settings["sensitive"],
        "bins": settings["bins"],
        "reference": settings["reference"],
        "score": settings["score"],
        "features": settings["features"],
        "thresholds": document["thresholds"],
        "tolerance": settings["tolerance"],
        "min_group_size": int(min_group_size),
        "control": list((document.get("conditional") or {}).get("control") or ()),
    }


def record_from_document(
    document: dict[str, Any],
    report_html: str,
    *,
    title: str,
    source: Mapping[str, Any],
    data_sha256: str | None,
    model_sha256: str | None,
    min_group_size: int | None = None,
) -> AuditRecord:
    """The record :meth:`AuditStore.save` keeps of an audit's JSON document (:func:`fairdash.present.report.audit_json`)
    and HTML report; ``title`` tidied by :func:`fairdash.store.db.tidy_title` (an empty one is refused). ``data_sha256``
    and ``model_sha256`` are the SHA-256 of the files audited (:func:`sha256_of`); for a demo, of its table as CSV, and
    ``None`` where there is no file."""
    from fairdash.present.document import json_text

    settings = document["settings"]
    headline = {
        name: {key: document["findings"][name].get(key) for key in ("value", "passed", "conclusive")} for name in HEADLINE
    }
    return AuditRecord(
        title=tidy_title(title),
        created=_datetime.datetime.now(_datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),  # saved now (the audit's own time is in its JSON)
        data_name=str(settings["data"]),
        model_name=settings["model"],
        settings=json.loads(json_text(saved_settings(document, source, min_group_size=min_group_size))),
        data_sha256=data_sha256,
        model_sha256=model_sha256,
        headline=headline,
        audit_json=json_text(document),
        report_html=report_html,
    )


def audit_record(
    audit: Audit, *, title: str, source: Mapping[str, Any], data_sha256: str | None, model_sha256: str | None
) -> AuditRecord:
    """The record of ``audit``: its JSON and report made here (see :func:`record_from_document`)."""
    from fairdash.present.report import audit_html, audit_json

    return record_from_document(
        audit_json(audit), audit_html(audit), title=title, source=source, data_sha256=data_sha256, model_sha256=model_sha256
    )


def save_audit(
    store: AuditStore,
    audit: Audit,
    *,
    title: str,
    source: Mapping[str, Any],
    table: StoredFile | None = None,
    model: StoredFile | None = None,
    keep_files: bool = False,
    data_sha256: str | None = None,
    model_sha256: str | None = None,
    owner: str | None = None,
) -> str:
    """Save ``audit`` in ``store``; the files' SHA-256 are always recorded, their bytes only with ``keep_files``. The
    audit belongs to ``owner`` (the administrator's store only; without one, a team audit) or to the store's visitor.
    Returns the new id."""
    record = audit_record(
        audit,
        title=title,
        source=source,
        data_sha256=data_sha256 or sha256_of(table.content if table else None),
        model_sha256=model_sha256 or sha256_of(model.content if model else None),
    )
    return store.save(record, table=table if keep_files else None, model=model if keep_files else None, owner=owner)


def saved_audit_json(store: AuditStore, audit_id: str) -> str:
    """The saved audit's JSON as saved; an audit saved before the JSON held ``settings.min_group_size`` gets it from
    the settings saved beside it (which always held it), so every reader of the JSON finds each setting."""
    text = store.audit_json(audit_id)
    document = json.loads(text)
    settings = document.get("settings") if isinstance(document, dict) else None
    if not isinstance(settings, dict) or "min_group_size" in settings:
        return text
    kept = store.get(audit_id).settings.get("min_group_size")
    if kept is None:
        return text
    from fairdash.present.document import json_text

    document["settings"] = {**settings, "min_group_size": kept}
    return json_text(document)
