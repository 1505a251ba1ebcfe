"""Who may see and change which saved audit: the visitor a store answers (:class:`Visitor`) and the rules, as SQL.

Three kinds of visitor:

- the **administrator**, the person with the disk: the command line (``python -m fairdash audits ...``) and the Python
  API. Sees, renames, deletes and shares every audit; an audit it saves without an owner is a **team audit**.
- a **signed-in user** (the dashboard with sign-in): sees their own audits, those shared with them or with the whole
  team, and team audits; renames, deletes, shares and reads the history of their own audits only.
- the dashboard **without sign-in**, one person's: opens a team audit or one saved without sign-in by its id (a link),
  and lists only the audits its session was given (saved or opened in it), so a new session finds nothing it holds no
  link to. It cannot share (there is nobody to share with).

Everywhere, an audit the visitor may not see (or not change) is told exactly as an unknown id is: "no such audit".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable, Literal

from fairdash.errors import InvalidInputError, brief

__all__ = ["MAX_USER_LENGTH", "TEAM", "LOCAL_OWNER", "Visitor", "ADMIN", "valid_user", "visible_clause", "manage_clause"]

MAX_USER_LENGTH = 254
"""The longest user name (an email address's limit)."""
TEAM = "@team"
"""In the shares table: the audit is shared with every signed-in user (never a user's name: it has no local part)."""
LOCAL_OWNER = "@local"
"""The owner of an audit saved in the dashboard without sign-in."""
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_USER = re.compile(rf"\A{_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*\Z")


def valid_user(text: Any) -> str:
    """``text`` as a user's name: one plain-ASCII email-like address ``local@domain`` of at most
    :data:`MAX_USER_LENGTH` characters, lowercased (a proxy or a provider may capitalise the same address differently).

    Raises
    ------
    InvalidInputError
        Not a string, empty, too long, control characters, several values (``a@x.org, b@x.org``), no ``@``.

    Examples
    --------
    >>> valid_user("Alice@Example.com")
    'alice@example.com'
    """
    if not isinstance(text, str) or not text.strip():
        raise InvalidInputError(f"A user is an email address such as alice@example.com (got {brief(text)}).")
    if len(text) > MAX_USER_LENGTH:
        raise InvalidInputError(
            f"A user name of {len(text)} characters is longer than an email address can be "
            f"({MAX_USER_LENGTH}): give one address such as alice@example.com."
        )
    if any(separator in text for separator in ",; \t"):
        raise InvalidInputError(
            f"{brief(text)} holds several values or spaces: give one email address such as alice@example.com."
        )
    if not _USER.match(text):
        raise InvalidInputError(f"{brief(text)} is not an email address of plain ASCII letters such as alice@example.com.")
    return text.lower()


@dataclass(frozen=True)
class Visitor:
    """Who asks the store: ``kind`` ``"admin"``, ``"user"`` (``user`` their address) or ``"local"`` (the dashboard
    without sign-in; ``given`` the ids its session saved or opened). Make one with :meth:`signed_in` or :meth:`local`,
    or use :data:`ADMIN`."""

    kind: Literal["admin", "user", "local"]
    user: str | None = None
    given: frozenset[str] = frozenset()

    @classmethod
    def signed_in(cls, user: Any) -> "Visitor":
        """A signed-in user (the address checked by :func:`valid_user`)."""
        return cls("user", valid_user(user))

    @classmethod
    def local(cls, given: Iterable[str] = ()) -> "Visitor":
        """The dashboard without sign-in, whose session holds the ids ``given``."""
        return cls("local", None, frozenset(given))

    @property
    def name(self) -> str:
        """How the history names this visitor."""
        if self.kind == "user":
            return str(self.user)
        return "administrator (command line)" if self.kind == "admin" else "dashboard without sign-in"

    @property
    def owner(self) -> str | None:
        """The owner an audit this visitor saves gets (the administrator's: a team audit, unless it names one)."""
        return {"user": self.user, "local": LOCAL_OWNER}.get(self.kind)

    @property
    def draft_owner(self) -> str | None:
        """The owner of this visitor's drafts: a user's own; ``None`` without sign-in (as drafts were before owners)."""
        return self.user if self.kind == "user" else None


ADMIN = Visitor("admin")
"""The person with the disk: the command line and the Python API."""


def visible_clause(visitor: Visitor, alias: str = "audits") -> tuple[str, tuple[Any, ...]]:
    """The SQL condition (and its parameters) on ``alias`` for the audits ``visitor`` may open."""
    if visitor.kind == "admin":
        return "1", ()
    if visitor.kind == "local":
        return f"({alias}.owner IS NULL OR {alias}.owner = ?)", (LOCAL_OWNER,)
    return (
        f"({alias}.owner IS NULL OR {alias}.owner = ? OR EXISTS (SELECT 1 FROM shares WHERE shares.audit_id = {alias}.id "
        "AND shares.grantee IN (?, ?)))",
        (visitor.user, visitor.user, TEAM),
    )


def manage_clause(visitor: Visitor, alias: str = "audits") -> tuple[str, tuple[Any, ...]]:
    """The SQL condition for the audits ``visitor`` may rename, delete, share and read the history of: a user's own; the
    dashboard without sign-in, those it may open; the administrator, all."""
    if visitor.kind == "user":
        return f"{alias}.owner = ?", (visitor.user,)
    return visible_clause(visitor, alias)
