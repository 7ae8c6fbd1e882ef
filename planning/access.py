"""Who may do what: users and roles, password sign-in, OIDC identities, and the audit log.

Users and the audit log live in the same SQLite file as scenarios and incident counts. Passwords are kept only
as argon2id hashes. The audit log is append-only (triggers refuse updates and deletes) and a hash chain
(:mod:`planning.chain`; ``python -m planning audit --verify``), and records who did what to which object,
never incident content.

A page calls :func:`authenticate` (or :func:`role_for_identity` after ``st.login``), then
:func:`require` with its action before it loads any data, and :func:`incident_level` to know whether incident
figures may be shown per settlement, per district, or not at all.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.errors import QorgauError
from planning import chain
from planning.db import SqliteStore, default_db_path  # noqa: F401  (default_db_path: part of this API)

"""How long a writer waits for another session's transaction, in milliseconds."""
MIN_PASSWORD_LENGTH = 12
"""Shortest password accepted, in characters."""
MAX_AUDIT_TEXT_CHARS = 200
"""Longest action or object text kept in the audit log, in characters."""

ROLES = ("planner", "presenter", "admin")
ACTIONS = (
    "view_map",                    # map and region data without incidents
    "view_scenarios",
    "view_district_incidents",     # incident counts per district (suppressed)
    "view_settlement_incidents",   # incident counts per village (suppressed)
    "upload_incidents",
    "edit_scenarios",
    "export",                      # exports at the role's incident level
    "manage_users",
    "view_audit",
)
PERMISSIONS: dict[str, frozenset[str]] = {
    "planner": frozenset({"view_map", "view_scenarios", "view_district_incidents", "view_settlement_incidents",
                          "upload_incidents", "edit_scenarios", "export"}),
    "presenter": frozenset({"view_map", "view_scenarios", "view_district_incidents", "export"}),
    "admin": frozenset({"view_map", "view_scenarios", "view_district_incidents", "manage_users", "view_audit"}),
}
"""The explicit permission table: role -> actions it may perform. Nothing is allowed that is not listed."""

_USERNAME_RE = re.compile(r"^[A-Za-z0-9._@-]{2,64}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username      TEXT PRIMARY KEY COLLATE NOCASE,
    email         TEXT UNIQUE COLLATE NOCASE,
    role          TEXT NOT NULL CHECK (role IN ('planner', 'presenter', 'admin')),
    password_hash TEXT,
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    entry_id  INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    user      TEXT NOT NULL,
    action    TEXT NOT NULL,
    object    TEXT NOT NULL,
    prev_hash TEXT,
    row_hash  TEXT
);
"""
"""The audit log's triggers and hash chain are :data:`planning.chain.AUDIT_LOG` (installed by every store)."""


class AccessDenied(QorgauError, PermissionError):
    """The signed-in role may not perform this action."""


class UserError(QorgauError, ValueError):
    """A user that cannot be created or changed as asked (the message says why and how to fix it)."""


@dataclass(frozen=True)
class User:
    """A user as pages see it (never the password hash)."""

    username: str
    role: str
    email: str | None


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log. ``at`` is UTC, ISO 8601."""

    entry_id: int
    at: str
    user: str
    action: str
    object: str


# --------------------------------------------------------------------------------------------------------------
# the database file
# --------------------------------------------------------------------------------------------------------------
class AccessStore(SqliteStore):
    """Users and the audit log (see :data:`SCHEMA`)."""

    schema = SCHEMA


# --------------------------------------------------------------------------------------------------------------
# permissions
# --------------------------------------------------------------------------------------------------------------
def can(role: str | None, action: str) -> bool:
    """Whether ``role`` may perform ``action`` (see :data:`PERMISSIONS`). No role (not signed in) may do nothing.

    Raises
    ------
    KeyError
        For an action that is not in :data:`ACTIONS` (a typo must not silently deny or allow).
    """
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}.")
    return action in PERMISSIONS.get(role or "", frozenset())


def require(role: str | None, action: str) -> None:
    """Raise :class:`AccessDenied` unless ``role`` may perform ``action``. Pages call it before loading data."""
    if not can(role, action):
        who = f"the {role} role" if role else "a visitor who is not signed in"
        raise AccessDenied(f"{who} may not {action.replace('_', ' ')}. Fix: sign in as a user whose role allows it "
                           f"({', '.join(r for r in ROLES if action in PERMISSIONS[r]) or 'none'}).")


def incident_level(role: str | None) -> str | None:
    """The finest level at which ``role`` may see incident counts: "settlement", "district" or None."""
    if can(role, "view_settlement_incidents"):
        return "settlement"
    return "district" if can(role, "view_district_incidents") else None


# --------------------------------------------------------------------------------------------------------------
# users
# --------------------------------------------------------------------------------------------------------------
_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, 3 passes)
_DUMMY_HASH = _HASHER.hash("qorgau: a password nobody has")


def _check_username(username: str) -> str:
    if not isinstance(username, str) or not _USERNAME_RE.match(username):
        raise UserError("a username has 2 to 64 letters, digits, '.', '_', '@' or '-'. Fix: choose such a name.")
    return username


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}.")
    return role


def _check_password(password: str | None) -> str | None:
    if password is None:
        return None
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password is too short; at least {MIN_PASSWORD_LENGTH} characters are needed. "
                        "Fix: use a longer passphrase.")
    return _HASHER.hash(password)


def _check_email(email: str | None) -> str | None:
    if email is None:
        return None
    email = email.strip()
    if not re.match(r"^[^@\s]+@[^@\s]+$", email) or len(email) > 254:
        raise UserError("the e-mail address is not valid. Fix: give the address the identity provider signs in with.")
    return email


def create_user(store: AccessStore, username: str, *, role: str, password: str | None = None,
                email: str | None = None, by: str) -> User:
    """Add a user. Only an admin calls this (the page checks ``manage_users``); recorded in the audit log.

    Parameters
    ----------
    store : AccessStore
    username : str
        2 to 64 letters, digits, ``. _ @ -``; unique regardless of case.
    role : {"planner", "presenter", "admin"}
    password : str, optional
        At least :data:`MIN_PASSWORD_LENGTH` characters; kept only as an argon2id hash. None for a user who
        signs in only through the identity provider (then ``email`` is needed).
    email : str, optional
        The identity the OIDC provider reports for this person.
    by : str
        Who creates the user (for the audit log).

    Raises
    ------
    UserError
        Invalid name, role, password or e-mail, or a name or e-mail already taken.
    """
    _check_username(username)
    _check_role(role)
    email = _check_email(email)
    if password is None and email is None:
        raise UserError("a user needs a password or an e-mail for single sign-on. Fix: give one of them.")
    password_hash = _check_password(password)
    with store.transaction() as db:
        try:
            db.execute("INSERT INTO users (username, email, role, password_hash, created_at, created_by) "
                       "VALUES (?, ?, ?, ?, ?, ?)", (username, email, role, password_hash, _now(), by))
        except sqlite3.IntegrityError:
            raise UserError(f"a user named {username!r} or with that e-mail already exists. "
                            "Fix: choose another name, or change the existing user's role.") from None
        write_audit(db, user=by, action="create user", object=f"user {username} ({role})")
    return User(username, role, email)


def create_first_admin(store: AccessStore, username: str, password: str) -> User:
    """The first admin of a new installation; refused once any admin exists (one transaction, no race)."""
    _check_username(username)
    password_hash = _check_password(password)
    with store.transaction() as db:
        if db.execute("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1").fetchone():
            raise UserError("an admin already exists; this command only sets up a new installation. "
                            "Fix: sign in as that admin and create further users on the users page.")
        try:
            db.execute("INSERT INTO users (username, email, role, password_hash, created_at, created_by) "
                       "VALUES (?, NULL, 'admin', ?, ?, ?)", (username, password_hash, _now(), "create-admin"))
        except sqlite3.IntegrityError:
            raise UserError(f"a user named {username!r} already exists. Fix: choose another name.") from None
        write_audit(db, user="create-admin", action="create user", object=f"user {username} (admin)")
    return User(username, "admin", None)


def authenticate(store: AccessStore, username: str, password: str) -> User | None:
    """The user when the password matches, else None. Every attempt is recorded in the audit log.

    The time taken does not tell whether the user exists (a dummy hash is checked for unknown names).
    """
    with store.transaction(write=False) as db:
        row = db.execute("SELECT username, role, email, password_hash FROM users WHERE username = ?",
                         (str(username),)).fetchone()
    stored_hash = row[3] if row and row[3] else _DUMMY_HASH
    try:
        ok = _HASHER.verify(stored_hash, str(password)) and row is not None and row[3] is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    shown_name = _clean_text(str(username))[:64]
    if not ok:
        record(store, user=shown_name or "?", action="sign-in failed", object="password")
        return None
    if _HASHER.check_needs_rehash(stored_hash):
        with store.transaction() as db:
            db.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_HASHER.hash(password), row[0]))
    record(store, user=row[0], action="sign-in", object="password")
    return User(row[0], row[1], row[2])


def role_for_identity(email: str | None, store: AccessStore) -> str | None:
    """The role of the user an admin created with this e-mail (after an OIDC sign-in), else None."""
    if not email:
        return None
    with store.transaction(write=False) as db:
        row = db.execute("SELECT role FROM users WHERE email = ?", (email.strip(),)).fetchone()
    return row[0] if row else None


def user_for_identity(email: str | None, store: AccessStore) -> User | None:
    """The user an admin created with this e-mail, else None (see :func:`role_for_identity`)."""
    if not email:
        return None
    with store.transaction(write=False) as db:
        row = db.execute("SELECT username, role, email FROM users WHERE email = ?", (email.strip(),)).fetchone()
    return User(*row) if row else None


def set_role(store: AccessStore, username: str, role: str, *, by: str) -> User:
    """Change a user's role; the last admin cannot lose the role (someone must manage users)."""
    _check_role(role)
    with store.transaction() as db:
        row = _user_row(db, username)
        if row[1] == "admin" and role != "admin":
            _keep_one_admin(db)
        db.execute("UPDATE users SET role = ? WHERE username = ?", (role, row[0]))
        write_audit(db, user=by, action="set role", object=f"user {row[0]} ({row[1]} -> {role})")
        return User(row[0], role, row[2])


def set_password(store: AccessStore, username: str, password: str, *, by: str) -> None:
    """Replace a user's password (stored as an argon2id hash)."""
    password_hash = _check_password(password)
    with store.transaction() as db:
        row = _user_row(db, username)
        db.execute("UPDATE users SET password_hash = ? WHERE username = ?", (password_hash, row[0]))
        write_audit(db, user=by, action="set password", object=f"user {row[0]}")


def delete_user(store: AccessStore, username: str, *, by: str) -> None:
    """Remove a user; the last admin cannot be removed."""
    with store.transaction() as db:
        row = _user_row(db, username)
        if row[1] == "admin":
            _keep_one_admin(db)
        db.execute("DELETE FROM users WHERE username = ?", (row[0],))
        write_audit(db, user=by, action="delete user", object=f"user {row[0]}")


def list_users(store: AccessStore) -> list[User]:
    """Every user, by name."""
    with store.transaction(write=False) as db:
        rows = db.execute("SELECT username, role, email FROM users ORDER BY username").fetchall()
    return [User(*r) for r in rows]


def has_admin(store: AccessStore) -> bool:
    """Whether any admin exists (if not, the first start needs ``python -m planning create-admin``)."""
    with store.transaction(write=False) as db:
        return db.execute("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1").fetchone() is not None


def _user_row(db: sqlite3.Connection, username: str) -> tuple:
    row = db.execute("SELECT username, role, email FROM users WHERE username = ?", (str(username),)).fetchone()
    if row is None:
        raise UserError(f"no user named {username!r}. Fix: check the name on the users page.")
    return row


def _keep_one_admin(db: sqlite3.Connection) -> None:
    (admins,) = db.execute("SELECT COUNT(*) FROM users WHERE role = 'admin'").fetchone()
    if admins <= 1:
        raise UserError("this is the last admin; nobody could manage users afterwards. "
                        "Fix: make another user admin first.")


# --------------------------------------------------------------------------------------------------------------
# audit log
# --------------------------------------------------------------------------------------------------------------
def _clean_text(text: str) -> str:
    return _CONTROL_RE.sub(" ", str(text)).strip()[:MAX_AUDIT_TEXT_CHARS]


def write_audit(db: sqlite3.Connection, *, user: str, action: str, object: str) -> None:
    """Append one audit entry inside an open transaction (so it commits or rolls back with the change), as the
    next link of the audit log's hash chain (:data:`planning.chain.AUDIT_LOG`)."""
    chain.append(db, chain.AUDIT_LOG, {"at": _now(), "user": _clean_text(user) or "?",
                                       "action": _clean_text(action), "object": _clean_text(object)})


def record(store: SqliteStore, *, user: str, action: str, object: str) -> None:
    """Append one audit entry: who did what to which object (e.g. ``"export"``, ``"district report D3 2023"``).

    Never pass incident content (names, addresses, coordinates, free text); pass what was touched. Control
    characters are replaced and each text is cut to :data:`MAX_AUDIT_TEXT_CHARS`.
    """
    with store.transaction() as db:
        write_audit(db, user=user, action=action, object=object)


def entries(store: SqliteStore, *, user: str | None = None, action: str | None = None,
            limit: int = 200) -> list[AuditEntry]:
    """The newest audit entries first, optionally of one user or one action."""
    where, values = [], []
    if user is not None:
        where.append("user = ?")
        values.append(user)
    if action is not None:
        where.append("action = ?")
        values.append(action)
    sql = ("SELECT entry_id, at, user, action, object FROM audit_log"
           + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY entry_id DESC LIMIT ?")
    with store.transaction(write=False) as db:
        return [AuditEntry(*r) for r in db.execute(sql, (*values, int(limit))).fetchall()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
