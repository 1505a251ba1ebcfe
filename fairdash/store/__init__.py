"""Audits that last: the store (:mod:`~fairdash.store.db`, SQLite in ``FAIRDASH_HOME``), an audit as it is saved
(:mod:`~fairdash.store.saving`), two audits compared (:mod:`~fairdash.store.compare`) and an audit logged to MLflow
(:mod:`~fairdash.store.tracking`)."""

from fairdash.store.db import (  # noqa: F401
    NO_SUCH_AUDIT,
    AuditRecord,
    AuditStore,
    NoSuchAuditError,
    SavedAudit,
    StoredFile,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    audit_url,
    store_home,
    valid_audit_id,
)
from fairdash.store.saving import audit_record, save_audit, sha256_of  # noqa: F401

__all__ = [
    "NO_SUCH_AUDIT", "AuditRecord", "AuditStore", "NoSuchAuditError", "SavedAudit", "StoredFile", "StoreError", "StoreFullError",
    "StoreReadOnlyError", "audit_url", "store_home", "valid_audit_id", "audit_record", "save_audit", "sha256_of",
]
