"""Audits that last: the store (:mod:`~fairdash.store.db`, SQLite in ``FAIRDASH_HOME``), an audit as it is saved
(:mod:`~fairdash.store.saving`) and an audit logged to MLflow (:mod:`~fairdash.store.tracking`). It renders what it keeps
through :mod:`fairdash.present`, which never imports it.

Its ``__all__`` is what the rest of the package imports from it (each from the module that defines it)."""

from fairdash.store.access import (  # noqa: F401
    LOCAL_OWNER,
    Visitor,
    valid_user,
)
from fairdash.store.db import (  # noqa: F401
    AuditStore,
    HistoryEntry,
    NoSuchAuditError,
    SavedAudit,
    StoredFile,
    StoreError,
    audit_url,
    new_audit_id,
    tidy_title,
    valid_audit_id,
)
from fairdash.store.saving import (  # noqa: F401
    record_from_document,
    save_audit,
    saved_audit_json,
    sha256_of,
)
from fairdash.store.tracking import (  # noqa: F401
    is_mlflow_model_uri,
    load_mlflow_model,
    log_audit,
)

__all__ = [
    "AuditStore",
    "HistoryEntry",
    "LOCAL_OWNER",
    "Visitor",
    "NoSuchAuditError",
    "SavedAudit",
    "StoreError",
    "StoredFile",
    "audit_url",
    "is_mlflow_model_uri",
    "load_mlflow_model",
    "log_audit",
    "new_audit_id",
    "record_from_document",
    "save_audit",
    "saved_audit_json",
    "sha256_of",
    "tidy_title",
    "valid_audit_id",
    "valid_user",
]
