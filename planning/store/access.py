"""Who may do what: users and roles, password sign-in, OIDC identities, and the audit log.

Users and the audit log live in the same SQLite file as scenarios and incident counts. Passwords are kept only
as argon2id hashes. The audit log is append-only (triggers refuse updates and deletes) and a hash chain
(:mod:`planning.store.chain`; ``python -m planning audit --verify``), and records who did what to which object,
never incident content.

A page calls :func:`authenticate` (or :func:`user_for_identity` with :func:`verified_email` after ``st.login``),
:func:`start_session`, then on every run :func:`session_user` (which re-reads the user, so a deleted, demoted or
re-passworded user loses access at the next action, and ends idle sessions), then :func:`require` with its action
before it loads any data, and :func:`incident_level` to know whether incident figures may be shown per settlement,
per district, or not at all.

Sign-in is slowed in the database (so the limit holds across sessions and server processes) by an exponential
delay, not a fixed lock: a few failures per user name and client are free, then each further one doubles the wait
(:data:`BASE_DELAY_S` up to :data:`MAX_DELAY_S`); per client across names the same; per name across all clients
only after :data:`FREE_FAILURES_PER_USER` failures and at most :data:`MAX_USER_DELAY_S`, so an attacker elsewhere
cannot lock a user out. Failed and refused tries are counted in ``sign_in_failures``; the audit log gets one row at
the first, second, fourth, eighth ... of a burst (not one per try) and the count with the next successful sign-in.
A session is a signed token ``<id>.<expires>.<HMAC-SHA256>`` (key kept in the database, :func:`start_session`);
the server keeps a row per session, so signing out, an admin's change to the user, the idle limit
(``QORGAU_IDLE_MINUTES``) and the absolute limit (:data:`SESSION_MAX_S`) end it wherever the token is held.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo.errors import QorgauError
from geo.settings import env_value
from planning.store import chain
from planning.store.db import SqliteStore, default_db_path  # noqa: F401  (default_db_path: part of this API)

MIN_PASSWORD_LENGTH = 12
"""Shortest password accepted, in characters."""
MAX_AUDIT_TEXT_CHARS = 200
"""Longest action or object text kept in the audit log, in characters."""
FAILURE_WINDOW_S = 60 * 60
"""Failed sign-ins older than this are forgotten, in seconds."""
FREE_FAILURES_PER_PAIR = 3
"""Failed sign-ins for one user name from one client that cost no wait; each further one doubles the wait."""
FREE_FAILURES_PER_CLIENT = 10
"""Failed sign-ins from one client (across names) that cost no wait."""
FREE_FAILURES_PER_USER = 50
"""Failed sign-ins for one user name from all clients together that cost no wait (NIST SP 800-63B 5.2.2: no more
than 100); beyond, waits grow only to :data:`MAX_USER_DELAY_S`, so nobody can lock a user out."""
BASE_DELAY_S = 2.0
"""Wait after the first failure beyond the free ones, seconds (then 4, 8, 16 ...)."""
MAX_DELAY_S = 15 * 60.0
"""Longest wait for one name from one client, or for one client, seconds."""
MAX_USER_DELAY_S = 60.0
"""Longest wait for a name across all clients, seconds (what an attacker elsewhere can impose on a user)."""
MAX_FAILURES_PER_USER = FREE_FAILURES_PER_PAIR + 1
"""Failures for one name from one client after which the next try waits (kept for callers of earlier releases)."""
MAX_FAILURES_PER_CLIENT = FREE_FAILURES_PER_CLIENT + 1
"""Failures from one client after which the next try waits."""
IDLE_MINUTES_ENV = "QORGAU_IDLE_MINUTES"
"""Environment variable: minutes without any action after which a session ends."""
DEFAULT_IDLE_MINUTES = 30.0
"""Idle limit when :data:`IDLE_MINUTES_ENV` is not set, in minutes (NIST SP 800-63B, AAL2: 30 minutes)."""
SESSION_MAX_S = 12 * 3600
"""Absolute lifetime of a session (and of its cookie), in seconds, however active it is (NIST AAL2: 12 hours)."""
TOUCH_EVERY_S = 5.0
"""A session's last action is written at most this often, in seconds (fewer writes, same idle limit)."""
COOKIE_TICKET_S = 120.0
"""How long the one-time ticket that turns a session into a browser cookie stays valid, in seconds."""
SESSION_COOKIE = "qorgau_session"
"""Name of the HttpOnly cookie that carries the session token (set by ``server.py``)."""
SESSION_ROUTE = "/_qorgau/session"
"""``server.py``'s path (under ``server.baseUrlPath``) where a ticket becomes that cookie (``?ticket=``) and where
an ended one is cleared (``?end=<token_fingerprint>``)."""

ROLES = ("planner", "presenter", "admin")
ACTIONS = (
    "view_map",  # map and region data without incidents
    "view_scenarios",
    "view_district_incidents",  # incident counts per district (suppressed)
    "view_settlement_incidents",  # incident counts per village (suppressed)
    "upload_incidents",
    "upload_populations",  # the akimat's statistics table (planning.store.population)
    "edit_scenarios",
    "export",  # exports at the role's incident level
    "manage_users",
    "view_audit",
)
PERMISSIONS: dict[str, frozenset[str]] = {
    "planner": frozenset(
        {
            "view_map",
            "view_scenarios",
            "view_district_incidents",
            "view_settlement_incidents",
            "upload_incidents",
            "upload_populations",
            "edit_scenarios",
            "export",
        }
    ),
    "presenter": frozenset({"view_map", "view_scenarios", "view_district_incidents", "export"}),
    "admin": frozenset({"view_map", "view_scenarios", "view_district_incidents", "manage_users", "view_audit"}),
}
"""The explicit permission table: role -> actions it may perform. Nothing is allowed that is not listed."""

_USERNAME_RE = re.compile(r"\A[\w.@-]{2,64}\Z")
"""A username after NFKC normalisation: 2 to 64 letters (any script), digits, ``. _ @ -``, the whole text (``\\Z``:
no trailing newline); unique by case-folded comparison."""
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parents[2] / "data" / "passwords" / "common-passwords.txt"
"""The most common passwords (one a line, lowercased; its header names the source), refused as passwords."""
SERVICE_WORDS = ("qorgau", "turkistan", "akimat")
"""Words of this service a password may not be built on (NIST SP 800-63B 5.1.1.2: context-specific words)."""
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
    row_hash  TEXT,
    content   TEXT
);
"""
ACCOUNTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS sign_in_failures (
    at_s     REAL NOT NULL,
    username TEXT NOT NULL COLLATE NOCASE,
    client   TEXT NOT NULL,
    refused  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sign_in_failures_at ON sign_in_failures (at_s);
CREATE TABLE IF NOT EXISTS sessions (
    session_hash TEXT PRIMARY KEY,
    username     TEXT NOT NULL COLLATE NOCASE,
    generation   INTEGER NOT NULL,
    via          TEXT NOT NULL,
    issued_s     REAL NOT NULL,
    expires_s    REAL NOT NULL,
    last_seen_s  REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS cookie_tickets (
    ticket_hash TEXT PRIMARY KEY,
    token       TEXT NOT NULL,
    expires_s   REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS server_keys (
    name   TEXT PRIMARY KEY,
    secret BLOB NOT NULL
);
"""
"""Sign-in attempts, sessions and the session-signing key (see the module docstring)."""
_USER_COLUMNS = {
    "generation": "INTEGER NOT NULL DEFAULT 0",  # +1 on every change of role or password: open sessions end
    "must_change_password": "INTEGER NOT NULL DEFAULT 0",  # a temporary password set by an admin
}
"""The audit log's triggers and hash chain are :data:`planning.store.chain.AUDIT_LOG` (installed by every store)."""


class AccessDenied(QorgauError, PermissionError):
    """The signed-in role may not perform this action."""


class UserError(QorgauError, ValueError):
    """A user that cannot be created or changed as asked (the message says why and how to fix it).

    ``key`` names the catalog entry ``user_error.<key>`` with the same text in every language, filled with
    ``params``; :meth:`message` gives it in the reader's language (``str(error)`` stays English for logs and CLI).
    """

    def __init__(self, message: str, *, key: str | None = None, **params):
        super().__init__(message)
        self.key, self.params = key, params

    def message(self, lang: str) -> str:
        """The message in ``lang`` (the English text when the error has no catalog key)."""
        if self.key is None:
            return str(self)
        from planning.i18n import t

        return t(f"user_error.{self.key}", lang, **self.params)


class SignInLocked(QorgauError, PermissionError):
    """Too many failed sign-ins for this user name or from this client; ``retry_after_s`` says for how long."""

    def __init__(self, message: str, *, retry_after_s: float, scope: str):
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.scope = scope  # "user" or "client"


class SessionEnded(QorgauError, PermissionError):
    """A session that no longer grants access; ``reason`` is one of :data:`SESSION_END_REASONS`."""

    def __init__(self, reason: str):
        super().__init__(f"the session ended ({reason}). Fix: sign in again.")
        self.reason = reason


SESSION_END_REASONS = ("invalid", "ended", "expired", "idle", "changed")
"""Why :func:`session_user` refuses a token: forged or malformed, signed out, past :data:`SESSION_MAX_S`, idle
too long, or the user was deleted or had their role or password changed since the session began."""


@dataclass(frozen=True)
class User:
    """A user as pages see it (never the password hash). ``must_change_password``: the password is a temporary one
    an admin set; nothing but the password page may be shown until the user replaces it."""

    username: str
    role: str
    email: str | None
    must_change_password: bool = False


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
    """Users, sessions, sign-in attempts and the audit log (see :data:`SCHEMA`, :data:`ACCOUNTS_SCHEMA`).

    A database made before sessions existed gets the users' ``generation`` and ``must_change_password`` columns.
    """

    schema = SCHEMA + ACCOUNTS_SCHEMA

    def __init__(self, path: str | Path | None = None):
        super().__init__(path)
        with self.transaction(write=False) as db:
            present = {row[1] for row in db.execute("PRAGMA table_info(users)")}
            failures = {row[1] for row in db.execute("PRAGMA table_info(sign_in_failures)")}
        if "refused" not in failures:
            with self.transaction() as db:
                if "refused" not in {row[1] for row in db.execute("PRAGMA table_info(sign_in_failures)")}:
                    db.execute("ALTER TABLE sign_in_failures ADD COLUMN refused INTEGER NOT NULL DEFAULT 0")
        if set(_USER_COLUMNS) - present:  # only then a write (a read-only, up-to-date database stays readable)
            with self.transaction() as db:
                present = {row[1] for row in db.execute("PRAGMA table_info(users)")}
                for column, declaration in _USER_COLUMNS.items():
                    if column not in present:
                        db.execute(f"ALTER TABLE users ADD COLUMN {column} {declaration}")


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
        raise AccessDenied(
            f"{who} may not {action.replace('_', ' ')}. Fix: sign in as a user whose role allows it "
            f"({', '.join(r for r in ROLES if action in PERMISSIONS[r]) or 'none'})."
        )


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


def normalise_username(username: object) -> str:
    """``username`` in its stored form: Unicode NFKC (so "ａｄｍｉｎ" is "admin"); nothing stripped (a name with a
    trailing newline or space is refused by :func:`_check_username`, not quietly cut)."""
    return unicodedata.normalize("NFKC", str(username))


def _check_username(username: str) -> str:
    """The normalised name; :class:`UserError` ``bad_name`` unless it is 2 to 64 letters, digits, ``. _ @ -`` in
    full (no control characters, no spaces, no trailing newline)."""
    name = normalise_username(username) if isinstance(username, str) else ""
    if not _USERNAME_RE.match(name) or _CONTROL_RE.search(name):
        raise UserError(
            "a username has 2 to 64 letters, digits, '.', '_', '@' or '-'. Fix: choose such a name.", key="bad_name"
        )
    return name


def _name_taken(db: sqlite3.Connection, username: str) -> str | None:
    """The existing user whose name equals ``username`` once both are case-folded ("ADMIN" is "admin")."""
    folded = username.casefold()
    for (other,) in db.execute("SELECT username FROM users"):
        if normalise_username(other).casefold() == folded:
            return str(other)
    return None


def _find_user_name(db: sqlite3.Connection, username: object) -> str | None:
    """The stored name of the user ``username`` names (NFKC, case-folded), else None."""
    name = normalise_username(username)
    row = db.execute("SELECT username FROM users WHERE username = ?", (name,)).fetchone()
    return str(row[0]) if row else _name_taken(db, name)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The lowercased common passwords of :data:`COMMON_PASSWORDS_FILE` (lines starting with "#" are its header)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why ``password`` is refused besides its length (NIST SP 800-63B 5.1.1.2), or None.

    Returns
    -------
    {"common", "pattern", "name"} or None
        ``common``: on the list of common passwords (also with digits or signs added at the end, "password2024!");
        ``pattern``: one character, a short unit repeated ("abcabcabcabc") or a run ("123456789012", "abcdefghijkl");
        ``name``: built on the user's own name or on the service's name.
    """
    folded = unicodedata.normalize("NFKC", password).casefold()
    stem = re.sub(r"[\d\W_]+\Z", "", folded)
    if folded in common_passwords() or (len(stem) >= 4 and stem in common_passwords()):
        return "common"
    if len(set(folded)) <= 2 or any(
        len(folded) % size == 0 and folded == folded[:size] * (len(folded) // size) for size in range(1, 7)
    ):
        return "pattern"
    codes = [ord(c) for c in folded]
    steps = {(b - a) % 10 if chr(a).isdigit() and chr(b).isdigit() else b - a for a, b in zip(codes, codes[1:])}
    if steps <= {1} or steps <= {-1, 9}:
        return "pattern"
    words = [*SERVICE_WORDS, *([normalise_username(username).casefold()] if username else [])]
    parts = [w for word in words for w in re.split(r"[._@-]+", word) if len(w) >= 3]
    if any(part in folded for part in parts):
        return "name"
    return None


def _check_username_unused(db: sqlite3.Connection, username: str) -> None:
    """Refuse ``username`` when a user of the same name (compared without case, after NFKC) exists."""
    other = _name_taken(db, username)
    if other is not None:
        raise UserError(
            f"a user named {other!r} already exists. Fix: choose another name.", key="name_taken", name=other
        )


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(
            f"unknown role {role!r}; expected one of {', '.join(ROLES)}.",
            key="bad_role",
            role=str(role),
            roles=", ".join(ROLES),
        )
    return role


def _check_password(password: str | None, username: str | None = None) -> str | None:
    """The argon2id hash of an acceptable password (None for None); :class:`UserError` when it is too short,
    common, a pattern or built on the user's name (:func:`password_problem`)."""
    if password is None:
        return None
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(
            f"the password is too short; at least {MIN_PASSWORD_LENGTH} characters are needed. "
            "Fix: use a longer passphrase.",
            key="too_short",
            count=MIN_PASSWORD_LENGTH,
        )
    problem = password_problem(password, username)
    if problem is not None:
        raise UserError(
            {
                "common": "the password is on the list of the most common passwords. Fix: choose a passphrase of "
                "several unrelated words.",
                "pattern": "the password is a repetition or a run of characters. Fix: choose a passphrase of "
                "several unrelated words.",
                "name": "the password contains the user's name or the service's name. Fix: choose one that does not.",
            }[problem],
            key=f"password_{problem}",
        )
    return _HASHER.hash(password)


def _check_email(email: str | None) -> str | None:
    if email is None:
        return None
    email = email.strip()
    if not re.match(r"^[^@\s]+@[^@\s]+$", email) or len(email) > 254:
        raise UserError(
            "the e-mail address is not valid. Fix: give the address the identity provider signs in with.",
            key="bad_email",
        )
    return email


def create_user(
    store: AccessStore,
    username: str,
    *,
    role: str,
    password: str | None = None,
    email: str | None = None,
    temporary: bool = False,
    by: str,
) -> User:
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
    temporary : bool
        The password is a temporary one (the users page makes one up): the user must replace it at the first
        sign-in before anything else is shown.
    by : str
        Who creates the user (for the audit log).

    Raises
    ------
    UserError
        Invalid name, role, password or e-mail, or a name or e-mail already taken.
    """
    username = _check_username(username)
    _check_role(role)
    email = _check_email(email)
    if password is None and email is None:
        raise UserError(
            "a user needs a password or an e-mail for single sign-on. Fix: give one of them.", key="no_password"
        )
    password_hash = _check_password(password, username)
    must_change = int(bool(temporary) and password is not None)
    with store.transaction() as db:
        _check_username_unused(db, username)
        try:
            db.execute(
                "INSERT INTO users (username, email, role, password_hash, created_at, created_by, "
                "must_change_password) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (username, email, role, password_hash, _now(), by, must_change),
            )
        except sqlite3.IntegrityError:
            raise UserError(
                f"a user named {username!r} or with that e-mail already exists. "
                "Fix: choose another name, or change the existing user's role.",
                key="taken",
                name=username,
            ) from None
        write_audit(db, user=by, action="create user", object=f"user {username} ({role})")
    return User(username, role, email, bool(must_change))


def create_first_admin(store: AccessStore, username: str, password: str) -> User:
    """The first admin of a new installation; refused once any admin exists (one transaction, no race)."""
    username = _check_username(username)
    password_hash = _check_password(password, username)
    with store.transaction() as db:
        if db.execute("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1").fetchone():
            raise UserError(
                "an admin already exists; this command only sets up a new installation. "
                "Fix: sign in as that admin and create further users on the users page."
            )
        _check_username_unused(db, username)
        try:
            db.execute(
                "INSERT INTO users (username, email, role, password_hash, created_at, created_by) "
                "VALUES (?, NULL, 'admin', ?, ?, ?)",
                (username, password_hash, _now(), "create-admin"),
            )
        except sqlite3.IntegrityError:
            raise UserError(
                f"a user named {username!r} already exists. Fix: choose another name.", key="name_taken", name=username
            ) from None
        write_audit(db, user="create-admin", action="create user", object=f"user {username} (admin)")
    return User(username, "admin", None)


# --- sign-in attempts ---------------------------------------------------------------------------------------------
def lockout_remaining_s(store: AccessStore, username: str, client: str, *, now: float | None = None) -> float:
    """Seconds until a sign-in as ``username`` from ``client`` is tried again; 0.0 when it is tried now.

    Failed attempts are counted per user name and client, per client and per user name (existing or not, so a wait
    does not tell whether a name exists) within :data:`FAILURE_WINDOW_S`.
    """
    return _lockout(store, username, client, now=_clock(now))[0]


def delay_after(failures: int, free: int, cap: float) -> float:
    """The wait after ``failures`` failed tries of which ``free`` cost nothing: 0, then :data:`BASE_DELAY_S`
    doubling with each further failure, at most ``cap`` seconds."""
    if failures <= free:
        return 0.0
    return float(min(cap, BASE_DELAY_S * 2.0 ** min(failures - free - 1, 40)))


def _lockout(store: AccessStore, username: str, client: str, *, now: float) -> tuple[float, str]:
    since = now - FAILURE_WINDOW_S
    remaining, scope = 0.0, ""
    with store.transaction(write=False) as db:
        for where, values, free, cap, name in (
            ("username = ? AND client = ?", (username, client), FREE_FAILURES_PER_PAIR, MAX_DELAY_S, "user"),
            ("client = ?", (client,), FREE_FAILURES_PER_CLIENT, MAX_DELAY_S, "client"),
            ("username = ?", (username,), FREE_FAILURES_PER_USER, MAX_USER_DELAY_S, "user"),
        ):
            count, last = db.execute(
                f"SELECT COUNT(*), MAX(at_s) FROM sign_in_failures WHERE {where} AND at_s > ? AND refused = 0",
                (*values, since),
            ).fetchone()
            wait = (last or now) + delay_after(int(count), free, cap) - now
            if wait > remaining:
                remaining, scope = wait, name
    return max(remaining, 0.0), scope


def _burst(db: sqlite3.Connection, username: str, client: str, since: float) -> tuple[int, int]:
    """(failed, refused) tries of ``username`` from ``client`` since ``since``."""
    failed, refused = db.execute(
        "SELECT COALESCE(SUM(refused = 0), 0), COALESCE(SUM(refused = 1), 0) FROM sign_in_failures "
        "WHERE username = ? AND client = ? AND at_s > ?",
        (username, client, since),
    ).fetchone()
    return int(failed), int(refused)


def _summarised(count: int) -> bool:
    """Whether the ``count``-th try of a burst gets an audit row: the 1st, 2nd, 4th, 8th ..."""
    return count > 0 and count & (count - 1) == 0


def _record_failure(
    store: AccessStore, username: str, client: str, *, now: float, object: str, refused: bool = False
) -> None:
    """Count a failed (or, with ``refused``, a delayed) try; audit only the 1st, 2nd, 4th ... of a burst."""
    with store.transaction() as db:
        db.execute("DELETE FROM sign_in_failures WHERE at_s <= ?", (now - FAILURE_WINDOW_S,))
        db.execute(
            "INSERT INTO sign_in_failures (at_s, username, client, refused) VALUES (?, ?, ?, ?)",
            (now, username, client, int(refused)),
        )
        failed, denied = _burst(db, username, client, now - FAILURE_WINDOW_S)
        count = denied if refused else failed
        if _summarised(count):
            write_audit(
                db,
                user=username or "?",
                action="sign-in refused" if refused else "sign-in failed",
                object=f"{object}: {failed} failed, {denied} refused from {client} in this burst",
            )


def authenticate(
    store: AccessStore, username: str, password: str, *, client: str = "unknown", now: float | None = None
) -> User | None:
    """The user when the password matches, else None. Every attempt is recorded in the audit log.

    Parameters
    ----------
    client : str
        Who asks (the address the page sees, see ``pages.auth.client_id``): failures are counted per client too.
    now : float, optional
        The time, in seconds since the epoch (default: the clock).

    Raises
    ------
    SignInLocked
        After :data:`MAX_FAILURES_PER_USER` failures for this name, or :data:`MAX_FAILURES_PER_CLIENT` from this
        client, within :data:`FAILURE_WINDOW_S`: the password is not even checked until the window has passed.

    The time taken does not tell whether the user exists (a dummy hash is checked for unknown names).
    """
    now = _clock(now)
    shown_name = _clean_text(str(username))[:64]
    client = _clean_text(str(client))[:64] or "unknown"
    remaining, scope = _lockout(store, shown_name, client, now=now)
    if remaining > 0:
        _record_failure(store, shown_name, client, now=now, object=f"waiting ({scope})", refused=True)
        raise SignInLocked(
            f"too many failed sign-ins {'for this name' if scope == 'user' else 'from this address'}. "
            f"Fix: wait {int(remaining // 60) + 1} minutes, or ask an admin.",
            retry_after_s=remaining,
            scope=scope,
        )
    with store.transaction(write=False) as db:
        found = _find_user_name(db, username)
        row = db.execute(
            "SELECT username, role, email, password_hash, must_change_password FROM users WHERE username = ?",
            (found,),
        ).fetchone()
    ok = _password_matches(row[3] if row else None, password)
    if not ok:
        _record_failure(store, shown_name, client, now=now, object="password")
        return None
    with store.transaction() as db:
        if _HASHER.check_needs_rehash(row[3]):  # in the audited transaction: the users table is sealed by it
            db.execute("UPDATE users SET password_hash = ? WHERE username = ?", (_HASHER.hash(password), row[0]))
        failed, refused = _burst(db, shown_name, client, now - FAILURE_WINDOW_S)
        db.execute("DELETE FROM sign_in_failures WHERE username = ? AND client = ?", (shown_name, client))
        after = f" (after {failed} failed, {refused} refused tries from {client})" if failed or refused else ""
        write_audit(db, user=row[0], action="sign-in", object=f"password{after}")
    return User(row[0], row[1], row[2], bool(row[4]))


def _password_matches(stored_hash: str | None, password: str) -> bool:
    try:
        return bool(_HASHER.verify(stored_hash or _DUMMY_HASH, str(password))) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- the identity provider ------------------------------------------------------------------------------------------
def verified_email(claims: Mapping | None) -> str | None:
    """The e-mail of an OIDC sign-in when the provider says it is verified (``email_verified`` true), else None.

    An unverified address proves nothing: at many providers anyone can register any address. Some providers
    send the claim as the string ``"true"``; anything else (missing, false, "false") counts as unverified.
    """
    if not claims:
        return None
    email = claims.get("email")
    verified = claims.get("email_verified")
    if verified is True or (isinstance(verified, str) and verified.strip().lower() == "true"):
        return email.strip() if isinstance(email, str) and email.strip() else None
    return None


def role_for_identity(email: str | None, store: AccessStore) -> str | None:
    """The role of the user an admin created with this (verified, :func:`verified_email`) e-mail, else None."""
    user = user_for_identity(email, store)
    return user.role if user else None


def user_for_identity(email: str | None, store: AccessStore) -> User | None:
    """The user an admin created with this (verified, :func:`verified_email`) e-mail, else None."""
    if not email:
        return None
    with store.transaction(write=False) as db:
        row = db.execute("SELECT username, role, email FROM users WHERE email = ?", (email.strip(),)).fetchone()
    return User(*row) if row else None


# --- changes ----------------------------------------------------------------------------------------------------------
def set_role(store: AccessStore, username: str, role: str, *, by: str) -> User:
    """Change a user's role; the last admin cannot lose the role (someone must manage users).
    The user's open sessions end (their next action asks them to sign in again)."""
    _check_role(role)
    with store.transaction() as db:
        row = _user_row(db, username)
        if row[1] == "admin" and role != "admin":
            _keep_one_admin(db)
        db.execute("UPDATE users SET role = ?, generation = generation + 1 WHERE username = ?", (role, row[0]))
        write_audit(db, user=by, action="set role", object=f"user {row[0]} ({row[1]} -> {role})")
        return User(row[0], role, row[2])


def set_password(store: AccessStore, username: str, password: str, *, temporary: bool = False, by: str) -> None:
    """Replace a user's password (stored as an argon2id hash); the user's open sessions end.

    ``temporary``: an admin's reset; the user must replace it at the next sign-in (see :func:`change_password`).
    """
    with store.transaction(write=False) as db:
        row = _user_row(db, username)
    password_hash = _check_password(password, row[0])
    with store.transaction() as db:
        row = _user_row(db, username)
        db.execute(
            "UPDATE users SET password_hash = ?, must_change_password = ?, generation = generation + 1 "
            "WHERE username = ?",
            (password_hash, int(bool(temporary)), row[0]),
        )
        write_audit(db, user=by, action="set password", object=f"user {row[0]}" + (" (temporary)" if temporary else ""))


def change_password(
    store: AccessStore,
    username: str,
    *,
    current: str,
    new: str,
    token: str | None = None,
    client: str = "unknown",
    now: float | None = None,
) -> str | None:
    """A user replaces their own password; the current one is needed. Ends the user's other sessions.

    Parameters
    ----------
    current, new : str
        The password now and the new one (at least :data:`MIN_PASSWORD_LENGTH` characters, not the same).
    token : str, optional
        The session the change is made in: it stays open (the others end).

    Returns
    -------
    str or None
        ``token`` (still valid), or None when none was given.

    Raises
    ------
    UserError
        The current password is wrong (counted as a failed sign-in), or the new one is too short or unchanged.
    SignInLocked
        Too many failed attempts (see :func:`authenticate`).
    """
    now = _clock(now)
    remaining, scope = _lockout(store, username, client, now=now)
    if remaining > 0:
        raise SignInLocked(
            f"too many failed attempts. Fix: wait {int(remaining // 60) + 1} minutes.",
            retry_after_s=remaining,
            scope=scope,
        )
    with store.transaction(write=False) as db:
        row = db.execute("SELECT username, password_hash FROM users WHERE username = ?", (username,)).fetchone()
    if row is None or not _password_matches(row[1], current):
        _record_failure(store, username, client, now=now, object="password change")
        raise UserError(
            "the current password is wrong. Fix: type the password you signed in with.", key="wrong_password"
        )
    if new == current:
        raise UserError(
            "the new password is the same as the current one. Fix: choose a different one.", key="same_password"
        )
    password_hash = _check_password(new, row[0])
    with store.transaction() as db:
        db.execute(
            "UPDATE users SET password_hash = ?, must_change_password = 0, generation = generation + 1 "
            "WHERE username = ?",
            (password_hash, row[0]),
        )
        (generation,) = db.execute("SELECT generation FROM users WHERE username = ?", (row[0],)).fetchone()
        token_parts = _token_parts(token) if token else None
        kept = _session_hash(token_parts[0]) if token_parts else ""
        db.execute("DELETE FROM sessions WHERE username = ? AND session_hash != ?", (row[0], kept))
        db.execute(
            "UPDATE sessions SET generation = ? WHERE session_hash = ? AND username = ?", (generation, kept, row[0])
        )
        write_audit(db, user=row[0], action="change own password", object=f"user {row[0]}")
    return token


def delete_user(store: AccessStore, username: str, *, by: str) -> None:
    """Remove a user (and their sessions); the last admin cannot be removed."""
    with store.transaction() as db:
        row = _user_row(db, username)
        if row[1] == "admin":
            _keep_one_admin(db)
        db.execute("DELETE FROM users WHERE username = ?", (row[0],))
        db.execute("DELETE FROM sessions WHERE username = ?", (row[0],))
        write_audit(db, user=by, action="delete user", object=f"user {row[0]}")


def list_users(store: AccessStore) -> list[User]:
    """Every user, by name."""
    with store.transaction(write=False) as db:
        rows = db.execute("SELECT username, role, email, must_change_password FROM users ORDER BY username").fetchall()
    return [User(r[0], r[1], r[2], bool(r[3])) for r in rows]


def has_admin(store: AccessStore) -> bool:
    """Whether any admin exists (if not, the first start needs ``python -m planning create-admin``)."""
    with store.transaction(write=False) as db:
        return db.execute("SELECT 1 FROM users WHERE role = 'admin' LIMIT 1").fetchone() is not None


def _user_row(db: sqlite3.Connection, username: str) -> tuple:
    found = _find_user_name(db, username)
    row = (
        db.execute("SELECT username, role, email FROM users WHERE username = ?", (found,)).fetchone() if found else None
    )
    if row is None:
        raise UserError(
            f"no user named {username!r}. Fix: check the name on the users page.", key="no_user", name=str(username)
        )
    return row


# --------------------------------------------------------------------------------------------------------------
# sessions
# --------------------------------------------------------------------------------------------------------------
def idle_limit_s() -> float:
    """The idle limit of a session in seconds: ``QORGAU_IDLE_MINUTES`` (default :data:`DEFAULT_IDLE_MINUTES`).

    Raises
    ------
    UserError
        When the variable is not a positive number of minutes (the message names it and the value).
    """
    value = env_value(IDLE_MINUTES_ENV)
    if not value:
        return DEFAULT_IDLE_MINUTES * 60
    try:
        minutes = float(value)
    except ValueError:
        minutes = float("nan")
    if not (minutes > 0 and minutes != float("inf")):
        raise UserError(
            f"{IDLE_MINUTES_ENV}={value!r} is not a positive number of minutes. "
            f"Fix: set it to e.g. {DEFAULT_IDLE_MINUTES:g}, or unset it."
        )
    return minutes * 60


def start_session(
    store: AccessStore, user: User, *, via: str, now: float | None = None, lifetime_s: float = SESSION_MAX_S
) -> str:
    """Open a session for ``user`` (just signed in) and return its signed token.

    The token is ``<id>.<expires, epoch s>.<HMAC-SHA256 of both, base64url>`` with a key kept in the database
    (made on first use); the server keeps only a hash of the id, with the user's current generation.
    ``via``: how the user signed in ("password", "identity provider"), for the audit log.
    """
    now = _clock(now)
    session_id = secrets.token_urlsafe(32)
    expires = int(now + lifetime_s)
    with store.transaction() as db:
        row = db.execute("SELECT generation FROM users WHERE username = ?", (user.username,)).fetchone()
        if row is None:
            raise UserError(
                f"no user named {user.username!r}. Fix: check the name on the users page.",
                key="no_user",
                name=user.username,
            )
        db.execute("DELETE FROM sessions WHERE expires_s <= ?", (now,))
        db.execute(
            "INSERT INTO sessions (session_hash, username, generation, via, issued_s, expires_s, last_seen_s) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (_session_hash(session_id), user.username, row[0], _clean_text(via), now, expires, now),
        )
        key = _signing_key(db)
    payload = f"{session_id}.{expires}"
    return f"{payload}.{_sign(key, payload)}"


def session_user(
    store: AccessStore, token: str | None, *, now: float | None = None, idle_s: float | None = None, touch: bool = True
) -> User:
    """The user of a live session, read afresh from the database (role, temporary password).

    Called on every run of a page (and by the server before it hands out a file), so that a change takes effect
    at the user's next action.

    Parameters
    ----------
    token : str
        From :func:`start_session` (kept in the session state, or the browser's cookie).
    idle_s : float, optional
        Idle limit in seconds (default :func:`idle_limit_s`).
    touch : bool
        Count this as an action (the idle clock restarts).

    Raises
    ------
    SessionEnded
        ``invalid`` (forged, altered or malformed token), ``ended`` (signed out or unknown), ``expired``
        (past :data:`SESSION_MAX_S`), ``idle`` (no action for ``idle_s``), ``changed`` (the user was deleted,
        or their role or password changed since the session began). An ended session is removed.
    """
    now = _clock(now)
    idle_s = idle_limit_s() if idle_s is None else idle_s
    parts = _token_parts(token)
    if parts is None:
        raise SessionEnded("invalid")
    session_id, expires, signature = parts
    reason: str | None
    writable = not store.read_only  # a read-only database: the session is checked, neither touched nor removed
    with store.transaction(write=writable) as db:  # raise only after it: an OSError inside is a storage one
        key = _signing_key(db)
        if not hmac.compare_digest(signature, _sign(key, f"{session_id}.{expires}")):
            row, reason = None, "invalid"
        else:
            row, reason = _session_row(
                db, session_id, expires, now=now, idle_s=idle_s, touch=touch and writable, remove=writable
            )
    if reason is not None:
        raise SessionEnded(reason)
    assert row is not None  # no reason to end it: the session's row was found
    return User(row[0], row[5], row[6], bool(row[7]))


def _session_row(
    db: sqlite3.Connection,
    session_id: str,
    expires: int,
    *,
    now: float,
    idle_s: float,
    touch: bool,
    remove: bool = True,
) -> tuple[tuple | None, str | None]:
    """The session's row joined with its user, and why it no longer grants access (None if it does); an ended
    session's row is removed when ``remove``."""
    session_hash = _session_hash(session_id)
    row = db.execute(
        "SELECT s.username, s.generation, s.last_seen_s, s.expires_s, u.generation, u.role, "
        "u.email, u.must_change_password FROM sessions s LEFT JOIN users u "
        "ON u.username = s.username WHERE s.session_hash = ?",
        (session_hash,),
    ).fetchone()
    reason = None
    if row is None:
        reason = "ended"
    elif now >= min(expires, row[3]):
        reason = "expired"
    elif row[4] is None or row[4] != row[1]:
        reason = "changed"
    elif now - row[2] > idle_s:
        reason = "idle"
    if reason is not None:
        if remove:
            db.execute("DELETE FROM sessions WHERE session_hash = ?", (session_hash,))
    elif touch and now - row[2] >= TOUCH_EVERY_S:
        db.execute("UPDATE sessions SET last_seen_s = ? WHERE session_hash = ?", (now, session_hash))
    return row, reason


def end_session(store: AccessStore, token: str | None) -> None:
    """Sign out: the session is removed, so its token (in this tab or a cookie) no longer grants anything."""
    parts = _token_parts(token)
    if parts is None:
        return
    with store.transaction() as db:
        db.execute("DELETE FROM sessions WHERE session_hash = ?", (_session_hash(parts[0]),))


def cookie_ticket(store: AccessStore, token: str, *, now: float | None = None) -> str:
    """A one-time ticket (valid :data:`COOKIE_TICKET_S`) the browser exchanges at ``server.py`` for the session
    cookie (HttpOnly, so page scripts never see the token). Only the ticket's hash is stored, and the token only
    encrypted with the ticket (whoever reads the database cannot take the session over)."""
    now = _clock(now)
    ticket = secrets.token_urlsafe(32)
    with store.transaction() as db:
        db.execute("DELETE FROM cookie_tickets WHERE expires_s <= ?", (now,))
        db.execute(
            "INSERT INTO cookie_tickets (ticket_hash, token, expires_s) VALUES (?, ?, ?)",
            (_session_hash(ticket), _seal_token(ticket, token), now + COOKIE_TICKET_S),
        )
    return ticket


_TICKET_PREFIX = "x1:"
"""Marks a token kept encrypted with its ticket in ``cookie_tickets.token`` (never the token in clear)."""


def _ticket_stream(ticket: str, length: int) -> bytes:
    """A keystream of ``length`` bytes derived from the ticket (SHA-256 in counter mode, apart from its hash)."""
    seed = hashlib.sha256(b"qorgau cookie ticket key\x00" + ticket.encode()).digest()
    blocks = (hashlib.sha256(seed + i.to_bytes(4, "big")).digest() for i in range((length + 31) // 32))
    return b"".join(blocks)[:length]


def _seal_token(ticket: str, token: str) -> str:
    """The token encrypted with the ticket: the database alone (which keeps only the ticket's hash) cannot give it."""
    data = token.encode()
    return _TICKET_PREFIX + bytes(a ^ b for a, b in zip(data, _ticket_stream(ticket, len(data)))).hex()


def _open_token(ticket: str, sealed: str) -> str | None:
    if not sealed.startswith(_TICKET_PREFIX):
        return None  # a ticket written in clear by an earlier release: refused (the user signs in again)
    try:
        data = bytes.fromhex(sealed[len(_TICKET_PREFIX) :])
        return bytes(a ^ b for a, b in zip(data, _ticket_stream(ticket, len(data)))).decode()
    except (ValueError, UnicodeDecodeError):
        return None


def redeem_cookie_ticket(store: AccessStore, ticket: str | None, *, now: float | None = None) -> str | None:
    """The session token of a ticket from :func:`cookie_ticket`, once, within its validity; else None."""
    if not ticket or not isinstance(ticket, str) or len(ticket) > 100:
        return None
    now = _clock(now)
    with store.transaction() as db:
        row = db.execute(
            "SELECT token, expires_s FROM cookie_tickets WHERE ticket_hash = ?", (_session_hash(ticket),)
        ).fetchone()
        db.execute("DELETE FROM cookie_tickets WHERE ticket_hash = ? OR expires_s <= ?", (_session_hash(ticket), now))
    return _open_token(ticket, row[0]) if row and now < row[1] else None


def ticket_pending(store: AccessStore, ticket: str, *, now: float | None = None) -> bool:
    """Whether a ticket from :func:`cookie_ticket` is still waiting for the browser to redeem it."""
    now = _clock(now)
    with store.transaction(write=False) as db:
        row = db.execute(
            "SELECT expires_s FROM cookie_tickets WHERE ticket_hash = ?", (_session_hash(ticket),)
        ).fetchone()
    return row is not None and now < row[0]


def token_fingerprint(token: str | None) -> str:
    """A short, non-secret name of a token (the first 16 hex digits of its SHA-256; "" for none), so that a page
    can ask the server to clear one particular cookie without handling the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()[:16] if isinstance(token, str) and token else ""


def session_expires_s(token: str) -> int | None:
    """The absolute end of a (well-formed) session token, in seconds since the epoch."""
    parts = _token_parts(token)
    return parts[1] if parts else None


def _token_parts(token: str | None) -> tuple[str, int, str] | None:
    if not isinstance(token, str) or len(token) > 200:
        return None
    pieces = token.split(".")
    if len(pieces) != 3 or not pieces[0] or not pieces[1].isdigit() or not pieces[2]:
        return None
    return pieces[0], int(pieces[1]), pieces[2]


def _sign(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _session_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _signing_key(db: sqlite3.Connection) -> bytes:
    """The session-signing key of this database (32 random bytes, made on first use inside a write transaction;
    read only, once made)."""
    row = db.execute("SELECT secret FROM server_keys WHERE name = 'session'").fetchone()
    if row is not None:
        return bytes(row[0])
    db.execute("INSERT OR IGNORE INTO server_keys (name, secret) VALUES ('session', ?)", (secrets.token_bytes(32),))
    return bytes(db.execute("SELECT secret FROM server_keys WHERE name = 'session'").fetchone()[0])


def _clock(now: float | None) -> float:
    return time.time() if now is None else float(now)


def _keep_one_admin(db: sqlite3.Connection) -> None:
    (admins,) = db.execute("SELECT COUNT(*) FROM users WHERE role = 'admin'").fetchone()
    if admins <= 1:
        raise UserError(
            "this is the last admin; nobody could manage users afterwards. Fix: make another user admin first.",
            key="last_admin",
        )


# --------------------------------------------------------------------------------------------------------------
# audit log
# --------------------------------------------------------------------------------------------------------------
def _clean_text(text: str) -> str:
    return _CONTROL_RE.sub(" ", str(text)).strip()[:MAX_AUDIT_TEXT_CHARS]


def write_audit(db: sqlite3.Connection, *, user: str, action: str, object: str) -> None:
    """Append one audit entry inside an open transaction (so it commits or rolls back with the change), as the
    next link of the audit log's hash chain (:data:`planning.store.chain.AUDIT_LOG`)."""
    chain.audit(
        db,
        {"at": _now(), "user": _clean_text(user) or "?", "action": _clean_text(action), "object": _clean_text(object)},
    )


def record(store: SqliteStore, *, user: str, action: str, object: str) -> None:
    """Append one audit entry: who did what to which object (e.g. ``"export"``, ``"district report D3 2023"``).

    Never pass incident content (names, addresses, coordinates, free text); pass what was touched. Control
    characters are replaced and each text is cut to :data:`MAX_AUDIT_TEXT_CHARS`.
    """
    with store.transaction() as db:
        write_audit(db, user=user, action=action, object=object)


def entries(
    store: SqliteStore, *, user: str | None = None, action: str | None = None, limit: int = 200
) -> list[AuditEntry]:
    """The newest audit entries first, optionally of one user or one action."""
    where, values = [], []
    if user is not None:
        where.append("user = ?")
        values.append(user)
    if action is not None:
        where.append("action = ?")
        values.append(action)
    sql = (
        "SELECT entry_id, at, user, action, object FROM audit_log"
        + (f" WHERE {' AND '.join(where)}" if where else "")
        + " ORDER BY entry_id DESC LIMIT ?"
    )
    with store.transaction(write=False) as db:
        return [AuditEntry(*r) for r in db.execute(sql, (*values, int(limit))).fetchall()]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def action_label(action: str, lang: str) -> str:
    """An audit log ``action`` as the users page shows it in ``lang`` (catalog ``audit.<action>``; an action with
    a mode in brackets, "upload incidents (append)", has both parts translated). The log keeps the English."""
    from planning.i18n import CATALOG, t

    if f"audit.{action}" in CATALOG:
        return t(f"audit.{action}", lang)
    match = re.fullmatch(r"(.+) \((\w+)\)", action)
    if match and f"audit.{match[1]}" in CATALOG:
        mode = t(f"audit.{match[2]}", lang) if f"audit.{match[2]}" in CATALOG else match[2]
        return f"{t(f'audit.{match[1]}', lang)} ({mode})"
    return action


_OBJECT_WORDS = ("password", "password change", "session cookie", "session", "identity provider")
"""Audit objects stored as one English word or phrase, shown through ``audit.obj.<phrase>``."""
_OBJECT_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"user (?P<user>.+) \((?P<old>\w+) -> (?P<new>\w+)\)"), "audit.obj.user_role_change"),
    (re.compile(r"user (?P<user>.+) \(temporary\)"), "audit.obj.user_temporary"),
    (re.compile(r"user (?P<user>.+) regions: (?P<regions>.*)"), "audit.obj.user_regions"),
    (re.compile(r"user (?P<user>.+) \((?P<role>planner|presenter|admin)\)"), "audit.obj.user_role"),
    (re.compile(r"user (?P<user>.+)"), "audit.obj.user"),
    (re.compile(r"client (?P<client>.+)"), "audit.obj.client"),
    (re.compile(r"locked \((?P<scope>user|client)\)"), "audit.obj.locked"),
    (re.compile(r"scenario (?P<id>\S+) \((?P<old>.+) -> (?P<new>.+)\)"), "audit.obj.scenario_rename"),
    (re.compile(r"scenario (?P<id>\S+) v(?P<version>\d+) csv"), "audit.obj.scenario_csv"),
    (re.compile(r"scenario (?P<id>\S+) \((?P<name>.+)\)"), "audit.obj.scenario"),
    (
        re.compile(r"incidents (?P<region>\S+) from (?P<file>.+): (?P<n>\d+) counts, (?P<periods>.*)"),
        "audit.obj.incidents_counts",
    ),
    (re.compile(r"incidents (?P<region>\S+) from (?P<file>.+)"), "audit.obj.incidents"),
    (
        re.compile(
            r"populations (?P<region>\S+) from (?P<file>.+): (?P<matched>\d+) matched, (?P<ambiguous>\d+) ambiguous, "
            r"(?P<unmatched>\d+) unmatched"
        ),
        "audit.obj.populations_counts",
    ),
    (re.compile(r"populations (?P<region>\S+) from (?P<file>.+)"), "audit.obj.populations"),
    (
        re.compile(r"(?P<region>\S+), (?P<area>.+), (?P<language>ru|kk|en), incidents: (?P<level>\w+)"),
        "audit.obj.report",
    ),
    (re.compile(r"(?P<region>\S+) (?P<setting>roads|speeds|travel_constants)"), "audit.obj.region_setting"),
    (re.compile(r"(?P<file>[\w.-]+\.\w+) \((?P<inner>.+)\)"), "audit.obj.download"),
    (re.compile(r"(?P<region>\S+) (?P<file>[\w.-]+\.\w+)"), "audit.obj.region_file"),
)
"""The shapes in which the app writes audit objects (``user NAME (ROLE)``, ``scenario ID (NAME)``, …) and the
catalog key that words each in the reader's language; the stored text stays English (the log is evidence)."""


def object_label(
    object: str,
    lang: str,
    *,
    regions: Mapping[str, str] | None = None,
    areas: Mapping[str, str] | None = None,
    scenario_name: Callable[[str], str] | None = None,
) -> str:
    """An audit log ``object`` as the users page shows it in ``lang`` ("user planner1 (planner)" → "пользователь
    planner1 (планировщик)"); user names and file names stay as stored, a region's id becomes its name where
    ``regions`` (id → name) has it, a district's id its name where ``areas`` has it, and a scenario's name is shown
    through ``scenario_name`` (the app's own names in ``lang``). An object of another shape is shown as stored."""
    from planning.i18n import CATALOG, LANGUAGE_NAMES, made_name, t

    regions = regions or {}
    areas = areas or {}
    scenario_name = scenario_name or (lambda name: made_name(name, lang))
    if object in _OBJECT_WORDS:
        return t(f"audit.obj.{object}", lang)
    for pattern, key in _OBJECT_SHAPES:
        match = pattern.fullmatch(object)
        if match is None:
            continue
        values = dict(match.groupdict())
        for name in ("role", "old", "new"):
            if key.startswith("audit.obj.user") and name in values and f"role.{values[name]}" in CATALOG:
                values[name] = t(f"role.{values[name]}", lang)
        for name in ("name", "old", "new"):
            if key.startswith("audit.obj.scenario") and name in values:
                values[name] = scenario_name(values[name])
        if "area" in values:
            values["area"] = areas.get(values["area"], values["area"])
        if "setting" in values:
            values["setting"] = t(f"audit.obj.setting.{values['setting']}", lang)
        if "scope" in values:
            values["scope"] = t(f"audit.obj.scope.{values['scope']}", lang)
        if "region" in values:
            values["region"] = regions.get(values["region"], values["region"])
        if "language" in values:
            values["language"] = LANGUAGE_NAMES.get(values["language"], values["language"])
        if "level" in values:
            level_key = f"audit.obj.level.{values['level']}"
            values["level"] = t(level_key, lang) if level_key in CATALOG else values["level"]
        if "inner" in values:
            values["inner"] = object_label(
                values["inner"], lang, regions=regions, areas=areas, scenario_name=scenario_name
            )
        texts: dict[str, Any] = {k: str(v) for k, v in values.items()}
        return t(key, lang, **texts)
    return object
