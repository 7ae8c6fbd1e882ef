"""Keyed hash chains over append-only tables, and content seals over the tables that drive decisions.

Two tables of the deployment's database are chained: the audit log (:data:`AUDIT_LOG`, in ``entry_id`` order)
and the saved scenario versions (:data:`SCENARIO_VERSIONS`, one chain over every scenario, in ``seq`` order). A
row's hash is an HMAC-SHA-256, keyed with the deployment's **audit key** (:func:`load_key`: the environment
variable ``QORGAU_AUDIT_KEY``, else a key file kept beside, never inside, the database), over the chain's name, the
previous row's hash and the row's content. Without the key nobody can compute a valid hash, so

- a row changed after it was written no longer matches its own hash, or carries none;
- a row removed from the middle leaves the next row pointing at a hash that is not its predecessor's;
- a forged row appended with a hash computed without the key (SHA-256, the unkeyed chain of earlier releases, or
  a guessed key) does not match;
- rows removed from the end are caught by the *head record* (``<db>.chain-head.json``, beside the database, HMAC
  signed): the chain must still reach the recorded head; a head record removed or forged is itself a break;
- a database restored from an older copy together with its older head record is caught by the *high-water
  record* (``<key file>.seen.json``, beside the key file, HMAC signed): it remembers the furthest position each
  chain reached, and a head behind it is a restore. It only helps when the key file (and so this record) lives in
  a folder the database's writers cannot write (``QORGAU_AUDIT_KEY_FILE``); see the README.

**Content seals.** Every audit entry carries, in its ``content`` column (covered by its hash), the content hash of
each decision table (:data:`COVERED`: users and roles, stored incident counts, populations, scenario names,
region settings with the road network record) that its transaction changed. The per-row digests are kept in
``chain_rows`` so that :func:`verify_file` names the rows changed behind the chain's back (``+100`` to a count,
a presenter made admin in SQLite). Audit entries are written at commit (:func:`seal`), after every change of
the transaction.

Triggers (:func:`install`) refuse ``UPDATE``, ``DELETE``, rows without a hash and inserts over an existing row;
the chain is what shows whether they were bypassed. A database from before the keyed chain (an unkeyed SHA-256
chain, or none) is not sealed silently: ``python -m planning audit --migrate`` checks the old chain, seals it
with the key and audits that it did (:func:`migrate`).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.settings import env_value
from planning.store.readonly import read_only_uri

GENESIS_HASH = "0" * 64
"""The "previous hash" of a chain's first row."""
HEAD_FILE_SUFFIX = ".chain-head.json"
"""The head record is the database file's name plus this suffix, in the same folder."""
KEY_ENV_VAR = "QORGAU_AUDIT_KEY"
"""Environment variable holding the audit key itself (at least :data:`MIN_KEY_CHARS` characters)."""
KEY_FILE_ENV_VAR = "QORGAU_AUDIT_KEY_FILE"
"""Environment variable naming the audit key file (default: the database file's name + :data:`KEY_FILE_SUFFIX`)."""
KEY_FILE_SUFFIX = ".audit-key"
SEEN_FILE_SUFFIX = ".seen.json"
"""The high-water record is the key file's name plus this suffix, in the key file's folder."""
MIN_KEY_CHARS = 32
"""Shortest audit key accepted, characters (a generated key is 64 hex digits, 256 bits)."""
FILE_MODE = 0o640
"""Key, head and high-water files: read-write for the service account, readable by its group (the auditors)."""
HEAD_FORMAT = "hmac-sha256/1"

_LOG = logging.getLogger(__name__)


class AuditKeyError(OSError):
    """The audit key is missing, too short or unreadable."""


@dataclass(frozen=True)
class ChainSpec:
    """One chained table.

    Attributes
    ----------
    name : str
        Name of the chain (hashed into every row, so rows cannot be moved between chains).
    table : str
    order_column : str
        Integer column giving the chain order; :func:`append` gives each row the last value + 1.
    columns : tuple of str
        The content hashed, in this order (``order_column`` included).
    label : str
        How a row is named in reports, formatted with the row's columns (e.g. ``"entry {entry_id}"``).
    legacy_order : str
        ``ORDER BY`` clause that puts the rows of a database written before chaining in chain order.
    what : str
        The chain in a sentence ("audit log", "scenario versions").
    legacy_columns : tuple of str
        The columns the unkeyed chain of earlier releases hashed (checked by :func:`migrate` only).
    """

    name: str
    table: str
    order_column: str
    columns: tuple[str, ...]
    label: str
    legacy_order: str
    what: str
    legacy_columns: tuple[str, ...] = ()

    @property
    def triggers(self) -> dict[str, str]:
        """Name -> DDL of the triggers that keep the table append-only and every new row chained."""
        t, o = self.table, self.order_column
        return {
            f"{t}_no_update": f"CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} "
            f"BEGIN SELECT RAISE(ABORT, '{self.what}: append-only, rows cannot be changed'); END",
            f"{t}_no_delete": f"CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} "
            f"BEGIN SELECT RAISE(ABORT, '{self.what}: append-only, rows cannot be removed'); END",
            f"{t}_chained": f"CREATE TRIGGER IF NOT EXISTS {t}_chained BEFORE INSERT ON {t} "
            f"WHEN NEW.row_hash IS NULL OR NEW.prev_hash IS NULL OR NEW.{o} IS NULL "
            f"OR NEW.{o} <= (SELECT COALESCE(MAX({o}), 0) FROM {t}) "
            f"BEGIN SELECT RAISE(ABORT, '{self.what}: append-only, a new row needs the next "
            f"{o} and its chain hashes'); END",
        }


AUDIT_LOG = ChainSpec(
    name="audit_log",
    table="audit_log",
    order_column="entry_id",
    columns=("entry_id", "at", "user", "action", "object", "content"),
    label="entry {entry_id}",
    legacy_order="entry_id",
    what="audit log",
    legacy_columns=("entry_id", "at", "user", "action", "object"),
)
SCENARIO_VERSIONS = ChainSpec(
    name="scenario_versions",
    table="scenario_versions",
    order_column="seq",
    columns=("seq", "scenario_id", "version", "sites_json", "author", "action", "restored_from", "saved_at"),
    label="scenario {scenario_id} version {version}",
    legacy_order="saved_at, scenario_id, version",
    what="scenario versions",
    legacy_columns=("seq", "scenario_id", "version", "sites_json", "author", "action", "restored_from", "saved_at"),
)
CHAINS = (AUDIT_LOG, SCENARIO_VERSIONS)
"""Every chained table; :func:`verify_file` checks those present in a database."""


@dataclass(frozen=True)
class Covered:
    """A table whose content drives decisions and is sealed by the audit log.

    Attributes
    ----------
    table : str
    key_columns : tuple of str
        What names a row (``("rowid",)`` for a table without a key); the row key in ``chain_rows``.
    label_columns : tuple of str
        Columns shown when a row is named in a report.
    """

    table: str
    key_columns: tuple[str, ...]
    label_columns: tuple[str, ...]


COVERED = (
    Covered("users", ("username",), ("username", "role")),
    Covered("incident_counts", ("rowid",), ("region_id", "settlement_id", "district_id", "period")),
    Covered("settlement_populations", ("region_id", "settlement_id"), ("region_id", "settlement_id")),
    Covered("scenarios", ("scenario_id",), ("scenario_id", "name")),
    Covered("region_settings", ("region_id", "key"), ("region_id", "key")),
    Covered("user_regions", ("username", "region_id"), ("username", "region_id")),
)
"""The decision tables whose content every audit entry seals (users and roles, incident counts, populations,
scenario names, region settings including the road network record "roads", the users' regions)."""
ROWS_SCHEMA = """
CREATE TABLE IF NOT EXISTS chain_rows (
    tbl     TEXT NOT NULL,
    row_key TEXT NOT NULL,
    label   TEXT NOT NULL,
    digest  TEXT NOT NULL,
    PRIMARY KEY (tbl, row_key)
);
CREATE TEMP TABLE IF NOT EXISTS chain_dirty (tbl TEXT PRIMARY KEY);
"""
"""Per-row digests of the covered tables as last sealed (names the changed rows), and the tables a transaction
changed (a temporary table filled by temporary triggers, see :func:`watch`)."""


@dataclass(frozen=True)
class ChainBreak:
    """The first place where a chain does not hold.

    Attributes
    ----------
    position : int or None
        ``order_column`` value of the first bad row (None when no row is concerned).
    row : str
        The row as :attr:`ChainSpec.label` names it (or the trigger's, file's or table's name).
    kind : str
        ``content``: the row does not match its keyed hash; ``unkeyed``: it matches the unkeyed hash of earlier
        releases (forged without the key, or a database not migrated); ``link``: its previous hash is not the row
        before it; ``unsealed``: no hash; ``tail``: rows the head record saw are gone; ``trigger``: a protecting
        trigger was dropped; ``head``: the head record is missing or forged; ``restored``: the database and its head
        are behind the high-water record; ``key``: no audit key; ``columns``: the hash columns were dropped;
        ``data``: a covered table differs from what the audit log sealed.
    message : str
        English, for the CLI and logs.
    """

    position: int | None
    row: str
    kind: str
    message: str


@dataclass(frozen=True)
class ChainReport:
    """The state of one chain: how many rows, the last row's hash, and the first break (None when intact)."""

    spec: ChainSpec
    rows: int
    head_position: int | None
    head_hash: str | None
    first_break: ChainBreak | None
    notes: tuple[str, ...] = ()
    chained: bool = True
    """False for a table written before chaining that no store has opened since (nothing to check yet)."""
    sealed: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Audit log only: covered table -> (entry_id, content hash) of the last entry that sealed it."""

    @property
    def intact(self) -> bool:
        return self.first_break is None


# --------------------------------------------------------------------------------------------------------------
# the key
# --------------------------------------------------------------------------------------------------------------
def key_path(db_path: str | Path) -> Path:
    """The audit key file of the database ``db_path``: ``QORGAU_AUDIT_KEY_FILE``, else beside the database."""
    configured = env_value(KEY_FILE_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + KEY_FILE_SUFFIX)


def seen_path(db_path: str | Path) -> Path:
    """The high-water record: beside the key file."""
    path = key_path(db_path)
    return path.with_name(path.name + SEEN_FILE_SUFFIX)


def load_key(db_path: str | Path, *, create: bool = False) -> bytes | None:
    """The audit key: ``QORGAU_AUDIT_KEY``, else the key file; None when there is none and ``create`` is False.

    With ``create``, a missing key file is made (64 random hex digits, mode 0640, never overwritten).

    Raises
    ------
    AuditKeyError
        When the configured key is shorter than :data:`MIN_KEY_CHARS` or the key file cannot be read or made.
    """
    configured = env_value(KEY_ENV_VAR)
    if configured:
        if len(configured) < MIN_KEY_CHARS:
            raise AuditKeyError(
                f"{KEY_ENV_VAR} holds {len(configured)} characters; the audit key needs {MIN_KEY_CHARS} or more. "
                'Fix: set it to e.g. python -c "import secrets; print(secrets.token_hex(32))".'
            )
        return configured.encode("utf-8")
    path = key_path(db_path)
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        if not create:
            return None
        try:
            handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:  # another process made it just now
            return load_key(db_path)
        except OSError as exc:
            raise AuditKeyError(f"{path}: the audit key file cannot be made ({exc}).") from None
        os.fchmod(handle, FILE_MODE)  # the umask may have taken the group's read
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
        return load_key(db_path)
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditKeyError(
            f"{path}: the audit key file cannot be read ({exc}). Fix: run as the service account or a member of "
            f"its group, or set {KEY_ENV_VAR}."
        ) from None
    if len(text) < MIN_KEY_CHARS:
        raise AuditKeyError(f"{path}: the audit key file holds {len(text)} characters; it needs {MIN_KEY_CHARS}.")
    return text.encode("ascii")


def _connection_key(db: sqlite3.Connection) -> bytes:
    """The audit key of the database behind ``db`` (a :class:`planning.store.db.SqliteStore` connection)."""
    cached = getattr(db, "audit_key", None)
    if cached:
        return cached
    path = getattr(db, "db_path", None)
    if path is None:
        raise AuditKeyError("a chained row can only be written through a store's connection (it knows the key).")
    key = load_key(path, create=True)
    assert key is not None
    db.audit_key = key  # type: ignore[attr-defined]
    return key


# --------------------------------------------------------------------------------------------------------------
# hashing and appending
# --------------------------------------------------------------------------------------------------------------
def _canonical(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def row_hash(spec: ChainSpec, prev_hash: str, values: Mapping[str, object], key: bytes) -> str:
    """HMAC-SHA-256 (hex, keyed with the audit ``key``) of the chain name, ``prev_hash`` and ``values`` of
    :attr:`ChainSpec.columns`, as canonical JSON (UTF-8, no spaces)."""
    content = [values.get(column) for column in spec.columns]
    return hmac.new(key, _canonical([spec.name, prev_hash, content]), hashlib.sha256).hexdigest()


def legacy_row_hash(spec: ChainSpec, prev_hash: str, values: Mapping[str, object]) -> str:
    """The unkeyed SHA-256 of earlier releases (over :attr:`ChainSpec.legacy_columns`)."""
    content = [values.get(column) for column in spec.legacy_columns]
    return hashlib.sha256(_canonical([spec.name, prev_hash, content])).hexdigest()


def append(db: sqlite3.Connection, spec: ChainSpec, values: Mapping[str, object]) -> tuple[int, str]:
    """Insert one row at the end of the chain, inside the caller's open write transaction.

    Parameters
    ----------
    db : sqlite3.Connection
        A store's connection inside ``BEGIN IMMEDIATE`` (so no other writer appends between reading the head and
        inserting).
    spec : ChainSpec
    values : mapping
        The row's content columns except ``spec.order_column`` (which is the last value + 1).

    Returns
    -------
    (int, str)
        The row's ``order_column`` value and its hash.
    """
    key = _connection_key(db)
    last = db.execute(
        f"SELECT {spec.order_column}, row_hash FROM {spec.table} ORDER BY {spec.order_column} DESC LIMIT 1"
    ).fetchone()
    position, prev_hash = (last[0] + 1, last[1] or GENESIS_HASH) if last else (1, GENESIS_HASH)
    row = {**values, spec.order_column: position}
    digest = row_hash(spec, prev_hash, row, key)
    columns = [*spec.columns, "prev_hash", "row_hash"]
    db.execute(
        f"INSERT INTO {spec.table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [*(row.get(c) for c in spec.columns), prev_hash, digest],
    )
    appended = getattr(db, "chains_appended", None)
    if appended is not None:
        appended[spec.name] = (position, digest)
    return position, digest


def audit(db: sqlite3.Connection, values: Mapping[str, object]) -> None:
    """Queue one audit entry (``at``, ``user``, ``action``, ``object``); :func:`seal` writes it at commit, with
    the content hashes of the covered tables the transaction changed. A connection that cannot queue (not a
    store's) writes it at once."""
    pending = getattr(db, "pending_audit", None)
    if pending is None:
        append(db, AUDIT_LOG, {**values, "content": None})
    else:
        pending.append(dict(values))


# --------------------------------------------------------------------------------------------------------------
# content seals
# --------------------------------------------------------------------------------------------------------------
def watch(db: sqlite3.Connection) -> None:
    """Make ``db`` note which covered tables it changes (temporary triggers filling ``temp.chain_dirty``)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS chain_dirty (tbl TEXT PRIMARY KEY)")
    if getattr(db, "dialect", "sqlite") == "postgresql":
        return  # PostgreSQL: the schema's own statement triggers fill it (planning.store.dialect.pg_trigger)
    present = {row[0] for row in db.execute("SELECT name FROM main.sqlite_master WHERE type = 'table'")}
    for covered in COVERED:
        if covered.table not in present:
            continue
        for event in ("INSERT", "UPDATE", "DELETE"):
            db.execute(
                f"CREATE TEMP TRIGGER IF NOT EXISTS chain_dirty_{covered.table}_{event.lower()} AFTER {event} "
                f"ON main.{covered.table} BEGIN INSERT OR IGNORE INTO chain_dirty VALUES ('{covered.table}'); END"
            )


def table_rows(db: sqlite3.Connection, covered: Covered) -> dict[str, tuple[str, str]]:
    """Row key -> (label, digest) of every row of a covered table as it is now (empty when there is no table).

    The digest is SHA-256 over the table name and every column (sorted by name) of the row."""
    columns = [row[1] for row in db.execute(f"PRAGMA main.table_info({covered.table})")]
    if not columns:
        return {}
    names = sorted(columns)
    key_sql = ", ".join(covered.key_columns)
    rows = db.execute(f"SELECT {key_sql}, {', '.join(names)} FROM main.{covered.table}").fetchall()
    out: dict[str, tuple[str, str]] = {}
    width = len(covered.key_columns)
    for row in rows:
        key_values, values = row[:width], row[width:]
        record = dict(zip(names, values))
        cells = [bytes(v).hex() if isinstance(v, bytes | memoryview) else v for v in values]
        digest = hashlib.sha256(_canonical([covered.table, names, cells])).hexdigest()
        label = ", ".join(f"{c} {record.get(c)}" for c in covered.label_columns if c in record)
        out[_canonical(list(key_values)).decode("utf-8")] = (label, digest)
    return out


def content_hash(table: str, rows: Mapping[str, tuple[str, str]]) -> str:
    """SHA-256 over a covered table's (row key, digest) pairs in key order (the seal of its content)."""
    pairs = sorted((k, v[1]) for k, v in rows.items())
    return hashlib.sha256(_canonical([table, pairs])).hexdigest()


def seal(db: sqlite3.Connection) -> None:
    """Before a commit: write the queued audit entries, each covering the content hash of every covered table the
    transaction changed (and refresh their rows in ``chain_rows``)."""
    pending = getattr(db, "pending_audit", None)
    if not pending:
        return
    dirty = {row[0] for row in db.execute("SELECT tbl FROM temp.chain_dirty")}
    content: dict[str, str] = {}
    for covered in COVERED:
        if covered.table in dirty:
            rows = table_rows(db, covered)
            content[covered.table] = content_hash(covered.table, rows)
            _store_rows(db, covered.table, rows)
    text = json.dumps(content, sort_keys=True, separators=(",", ":")) if content else None
    for index, values in enumerate(pending):
        append(db, AUDIT_LOG, {**values, "content": text if index == len(pending) - 1 else None})
    pending.clear()
    db.execute("DELETE FROM temp.chain_dirty")


def _store_rows(db: sqlite3.Connection, table: str, rows: Mapping[str, tuple[str, str]]) -> None:
    db.execute("DELETE FROM chain_rows WHERE tbl = ?", (table,))
    db.executemany(
        "INSERT INTO chain_rows (tbl, row_key, label, digest) VALUES (?, ?, ?, ?)",
        [(table, key, label, digest) for key, (label, digest) in rows.items()],
    )


# --------------------------------------------------------------------------------------------------------------
# installing and migrating
# --------------------------------------------------------------------------------------------------------------
def install(db: sqlite3.Connection, spec: ChainSpec) -> None:
    """Give ``spec.table`` its chain columns, index and triggers, inside the caller's write transaction.

    Missing chain columns are added, but rows found without a hash are **not** sealed (that would hide tampering,
    e.g. hash columns dropped): :func:`verify_file` reports them until ``audit --migrate`` seals them on purpose.
    Nothing happens when the table does not exist.
    """
    columns = {row[1] for row in db.execute(f"PRAGMA table_info({spec.table})")}
    if not columns:
        return
    for column in (*spec.columns, "prev_hash", "row_hash"):
        if column not in columns:
            kind = "INTEGER" if column == spec.order_column else "TEXT"
            db.execute(f"ALTER TABLE {spec.table} ADD COLUMN {column} {kind}")
            if column == spec.order_column:
                for name in spec.triggers:
                    db.execute(f"DROP TRIGGER IF EXISTS {name}")
                rows = db.execute(f"SELECT rowid FROM {spec.table} ORDER BY {spec.legacy_order}").fetchall()
                for position, (rowid,) in enumerate(rows, start=1):
                    db.execute(f"UPDATE {spec.table} SET {column} = ? WHERE rowid = ?", (position, rowid))
    db.execute(f"CREATE UNIQUE INDEX IF NOT EXISTS {spec.table}_chain_order ON {spec.table} ({spec.order_column})")
    for ddl in spec.triggers.values():
        db.execute(ddl)


@dataclass(frozen=True)
class Migration:
    """What :func:`migrate` did: rows sealed per chain, and the old (unkeyed) head hash of each."""

    sealed: dict[str, int]
    old_heads: dict[str, str | None]
    legacy_breaks: tuple[str, ...]


def migrate(db: sqlite3.Connection, *, user: str, force: bool = False) -> Migration:
    """Seal a database from before the keyed chain with the audit key, inside the caller's write transaction.

    The old chain is checked first (each row must match the unkeyed hash of earlier releases, or carry none:
    written before any chain); a row that matches neither is a break and stops the migration unless ``force``
    (then it is named in the audit entry). Every row is then re-sealed with the key, the covered tables' rows
    are sealed as they are, and one audit entry ("migrate audit chain") records the old heads.

    Raises
    ------
    ValueError
        When the chain is keyed already, or the old chain is broken and ``force`` is False.
    """
    if getattr(db, "dialect", "sqlite") == "postgresql":
        raise ValueError(
            "a PostgreSQL store is keyed from its start (migrate-store seals and verifies it): nothing to migrate."
        )
    key = _connection_key(db)
    sealed: dict[str, int] = {}
    old_heads: dict[str, str | None] = {}
    breaks: list[str] = []
    present = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for spec in CHAINS:
        if spec.table not in present:
            continue
        install(db, spec)
        names = list(spec.columns)
        rows = db.execute(
            f"SELECT rowid, {', '.join(names)}, prev_hash, row_hash FROM {spec.table} ORDER BY {spec.order_column}"
        ).fetchall()
        prev_keyed, prev_legacy, keyed_rows = GENESIS_HASH, GENESIS_HASH, 0
        for _rowid, *content, prev_hash, stored in rows:
            values = dict(zip(names, content))
            label = spec.label.format(**values)
            if stored is not None and stored == row_hash(spec, prev_hash or GENESIS_HASH, values, key):
                keyed_rows += 1
            elif stored is not None and stored != legacy_row_hash(spec, prev_hash or GENESIS_HASH, values):
                breaks.append(f"{spec.what}: {label} matches neither the old nor the keyed hash")
            elif stored is not None and prev_hash != prev_legacy and prev_hash != prev_keyed:
                breaks.append(f"{spec.what}: {label} does not follow the row before it")
            prev_keyed = prev_legacy = stored or GENESIS_HASH
        if rows and keyed_rows == len(rows):
            continue
        old_heads[spec.name] = rows[-1][-1] if rows else None
        for name in spec.triggers:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        prev = GENESIS_HASH
        for rowid, *content, _prev_hash, _stored in rows:
            values = dict(zip(names, content))
            digest = row_hash(spec, prev, values, key)
            db.execute(f"UPDATE {spec.table} SET prev_hash = ?, row_hash = ? WHERE rowid = ?", (prev, digest, rowid))
            prev = digest
        for ddl in spec.triggers.values():
            db.execute(ddl)
        sealed[spec.name] = len(rows)
        db.chains_reset = True  # type: ignore[attr-defined]
        if rows:
            db.chains_appended[spec.name] = (rows[-1][1 + names.index(spec.order_column)], prev)  # type: ignore[attr-defined]
    if breaks and not force:
        raise ValueError("; ".join(breaks[:3]) + (f" (and {len(breaks) - 3} more)" if len(breaks) > 3 else ""))
    if not sealed:
        raise ValueError("the chains are keyed already; nothing to migrate.")
    db.execute("DELETE FROM temp.chain_dirty")
    db.executemany("INSERT OR IGNORE INTO temp.chain_dirty VALUES (?)", [(c.table,) for c in COVERED])
    olds = ", ".join(f"{name} {(head or 'none')[:16]}" for name, head in old_heads.items())
    note = f"; old chain broken: {'; '.join(breaks)[:300]}" if breaks else ""
    audit(db, {"at": _now(), "user": user, "action": "migrate audit chain", "object": f"unkeyed heads {olds}{note}"})
    return Migration(sealed, old_heads, tuple(breaks))


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


# --------------------------------------------------------------------------------------------------------------
# the head and high-water records
# --------------------------------------------------------------------------------------------------------------
def head_path(db_path: str | Path) -> Path:
    """Where the head record of the database ``db_path`` is kept."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + HEAD_FILE_SUFFIX)


def _record_mac(key: bytes, kind: str, chains: Mapping[str, Any]) -> str:
    text = json.dumps([HEAD_FORMAT, kind, chains], sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _read_record(path: Path) -> dict | None:
    """A head or high-water record as stored (None when there is none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise OSError(
            f"{path}: the chain record cannot be read ({exc}). Fix: run as the service account or a member of "
            "its group; restore it from a backup."
        ) from None
    return data if isinstance(data, dict) else {}


def read_heads(db_path: str | Path) -> dict[str, dict]:
    """The head record's chains: chain name -> ``{"position": int, "hash": str}``; empty when there is none."""
    data = _read_record(head_path(db_path)) or {}
    chains = data.get("chains", data if "mac" not in data else {})
    return {name: head for name, head in chains.items() if isinstance(head, dict)}


def _check_record(path: Path, kind: str, key: bytes) -> tuple[dict[str, dict] | None, str | None]:
    """(chains, problem) of a signed record; chains None when the file is missing."""
    data = _read_record(path)
    if data is None:
        return None, None
    chains = data.get("chains")
    if not isinstance(chains, dict) or not isinstance(data.get("mac"), str):
        return {}, f"{path} is not signed with the audit key (an unkeyed or hand-made record)"
    if not hmac.compare_digest(data["mac"], _record_mac(key, kind, chains)):
        return {}, f"{path} does not match its signature: it was edited, or signed with another key"
    return chains, None


def _write_record(
    path: Path, kind: str, key: bytes, heads: Mapping[str, tuple[int, str]], *, reset: bool = False
) -> None:
    """Move the chains of the signed record at ``path`` forward to ``heads`` (never back, unless ``reset``: a
    migration re-sealed them), atomically, mode 0640."""
    try:
        current, problem = _check_record(path, kind, key)
    except OSError:
        current, problem = None, "unreadable"
    chains = dict(current or {}) if problem is None else {}
    changed = False
    for name, (position, digest) in heads.items():
        if reset or int(chains.get(name, {}).get("position", 0)) < position:
            chains[name] = {"position": int(position), "hash": digest}
            changed = True
    if not changed and current is not None and problem is None:
        return
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    os.fchmod(handle, FILE_MODE)
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({"format": HEAD_FORMAT, "chains": chains, "mac": _record_mac(key, kind, chains)}, out, sort_keys=True)
    os.replace(temporary, path)


def record_heads(db_path: str | Path, heads: Mapping[str, tuple[int, str]], *, reset: bool = False) -> None:
    """Write the newest ``(position, hash)`` of each chain to the head record and the high-water record after a
    commit (signed with the audit key; a head never moves back).

    A record that cannot be written (read-only folder) is logged, not raised: the data is committed, only tail
    deletion becomes undetectable until the next write succeeds.
    """
    if not heads:
        return
    with _records_lock(db_path):
        for path, kind in ((head_path(db_path), "head"), (seen_path(db_path), "seen")):
            try:
                key = load_key(db_path)
                if key is None:
                    return
                _write_record(path, kind, key, heads, reset=reset)
            except OSError as exc:
                _LOG.warning(
                    "chain record %s not written (%s); tail deletion cannot be detected until it is", path, exc
                )


@contextmanager
def _records_lock(db_path: str | Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on the folder of the head record while the records are read, moved forward
    and replaced: without it two writers (two app servers, or two sessions of one) that committed positions 10 and
    11 could both read 9, and the one writing last would move the record back to 10 while the other record says
    11, which ``audit --verify`` reads as a restored older copy. The folder is locked, not a file in it: the
    records are replaced (a lock on the old file would not hold), and nothing new is made beside the database. A
    folder that cannot be opened is not locked (the records are then not written either, see :func:`record_heads`).
    """
    try:
        handle = os.open(head_path(db_path).parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


# --------------------------------------------------------------------------------------------------------------
# verifying
# --------------------------------------------------------------------------------------------------------------
def verify(
    db: sqlite3.Connection, spec: ChainSpec, key: bytes, *, head: Mapping | None = None, seen: Mapping | None = None
) -> ChainReport:
    """Recompute the keyed chain of ``spec.table`` and report the first break.

    Parameters
    ----------
    db : sqlite3.Connection
    spec : ChainSpec
    key : bytes
        The audit key.
    head : mapping, optional
        ``{"position": int, "hash": str}`` from the head record; the chain must still contain that row with that
        hash (else rows were removed from the end, or rewritten).
    seen : mapping, optional
        The same from the high-water record: a head behind it means an older copy was restored.
    """
    names = list(spec.columns)
    rows = db.execute(
        f"SELECT {', '.join(names)}, prev_hash, row_hash FROM {spec.table} ORDER BY {spec.order_column}"
    ).fetchall()
    existing = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    missing = [name for name in spec.triggers if name not in existing]
    expected_prev, last_position, first_break = GENESIS_HASH, None, None
    by_position: dict[int, str] = {}
    sealed: dict[str, tuple[int, str]] = {}
    for *content, prev_hash, stored_hash in rows:
        values = dict(zip(names, content))
        position = values[spec.order_column]
        label = spec.label.format(**values)
        if stored_hash is None or prev_hash is None:
            first_break = ChainBreak(
                position,
                label,
                "unsealed",
                f"{spec.what}: {label} carries no chain hash: it was written around the chain (triggers or hash "
                "columns dropped), or the database predates the keyed chain (then run audit --migrate).",
            )
        elif prev_hash != expected_prev:
            first_break = ChainBreak(
                position,
                label,
                "link",
                f"{spec.what}: {label} does not follow the row before it: a row before it was removed or replaced.",
            )
        elif row_hash(spec, prev_hash, values, key) != stored_hash:
            unkeyed = legacy_row_hash(spec, prev_hash, values) == stored_hash
            first_break = ChainBreak(
                position,
                label,
                "unkeyed" if unkeyed else "content",
                f"{spec.what}: {label} carries an unkeyed hash: it was forged or re-sealed without the audit key "
                "(or the database predates the keyed chain and was never migrated: audit --migrate)."
                if unkeyed
                else f"{spec.what}: {label} does not match its keyed hash: it was changed after it was written, "
                "forged, or the audit key is not this deployment's.",
            )
        if first_break:
            break
        if spec is AUDIT_LOG and values.get("content"):
            try:
                for table, digest in json.loads(str(values["content"])).items():
                    sealed[table] = (position, digest)
            except (ValueError, AttributeError):
                pass
        expected_prev, last_position = stored_hash, position
        by_position[position] = stored_hash
    notes: list[str] = []
    if first_break is None and head:
        position, digest = int(head.get("position", 0)), head.get("hash")
        if position and by_position.get(position) != digest:
            gone = last_position is None or position > last_position
            what = (
                f"the head record saw row {position} of {spec.order_column}, the last one now is "
                f"{last_position or 'none'}: rows were removed from the end."
                if gone
                else f"row {position} of {spec.order_column} is not the one the head record saw: the chain was "
                "rewritten from there."
            )
            first_break = ChainBreak(position, f"{spec.order_column} {position}", "tail", f"{spec.what}: {what}")
    if first_break is None and seen:
        position = int(seen.get("position", 0))
        if position > int((head or {}).get("position", 0)) or (
            position and by_position.get(position, seen.get("hash")) != seen.get("hash")
        ):
            first_break = ChainBreak(
                position,
                f"{spec.order_column} {position}",
                "restored",
                f"{spec.what}: the high-water record saw row {position} of {spec.order_column}, the database and its "
                f"head record end at {last_position or 'none'}: an older copy of the database was restored (or "
                "rows were removed with the head record).",
            )
    if first_break is None and missing:
        first_break = ChainBreak(
            None,
            missing[0],
            "trigger",
            f"{spec.what}: trigger {missing[0]} is missing (dropped): writes around the chain were possible.",
        )
    return ChainReport(
        spec, len(rows), last_position, expected_prev if rows else None, first_break, tuple(notes), sealed=sealed
    )


def verify_content(db: sqlite3.Connection, sealed: Mapping[str, tuple[int, str]]) -> ChainBreak | None:
    """The first covered table whose rows differ from what the audit log last sealed, naming the rows."""
    present = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for covered in COVERED:
        if covered.table not in present:
            continue
        rows = table_rows(db, covered)
        entry, expected = sealed.get(covered.table, (None, content_hash(covered.table, {})))
        if content_hash(covered.table, rows) == expected:
            continue
        named: list[str] = []
        if "chain_rows" in present:
            kept = {
                k: (label, digest)
                for k, label, digest in db.execute(
                    "SELECT row_key, label, digest FROM chain_rows WHERE tbl = ?", (covered.table,)
                )
            }
            if content_hash(covered.table, kept) == expected:
                named += [f"changed: {rows[k][0]}" for k in rows if k in kept and kept[k][1] != rows[k][1]]
                named += [f"added: {rows[k][0]}" for k in rows if k not in kept]
                named += [f"removed: {kept[k][0]}" for k in kept if k not in rows]
        since = f"audit entry {entry}" if entry else "the audit log (no entry covers any row of it)"
        rows_text = "; ".join(named[:5]) + (f" (and {len(named) - 5} more)" if len(named) > 5 else "")
        return ChainBreak(
            entry,
            covered.table,
            "data",
            f"{covered.table}: the rows differ from what {since} sealed: changed behind the chain's back"
            + (f" ({rows_text})." if named else " (the row list was rewritten as well; the rows cannot be named)."),
        )
    return None


def verify_file(db_path: str | Path, *, specs: Iterable[ChainSpec] = CHAINS) -> list[ChainReport]:
    """Verify every chain present in the database file ``db_path`` (opened read-only, never created), with the
    audit key, the head record and the high-water record; then the covered tables' content (a break there is
    reported on the audit log's report).

    Raises
    ------
    FileNotFoundError
        When there is no database at ``db_path``.
    AuditKeyError
        When the configured key is unusable.
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"no database at {db_path}. Fix: give the file with --db or QORGAU_SCENARIO_DB.")
    key = load_key(db_path)
    connection: Any
    if str(db_path).endswith(".pgstore"):  # a PostgreSQL store (planning.store.dialect.STORE_FILE_SUFFIX)
        from planning.store import dialect

        connection = dialect.connect(dialect.read_store_file(db_path)[0], db_path)
        connection.begin(write=False)  # one snapshot, read-only
    else:
        # mode=ro; a read-only file or folder is read as immutable (no -wal/-shm is made there)
        connection = sqlite3.connect(read_only_uri(db_path), uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        reports: list[ChainReport] = []
        specs = [spec for spec in specs if spec.table in tables]
        if key is None:
            has_rows = any(connection.execute(f"SELECT 1 FROM {spec.table} LIMIT 1").fetchone() for spec in specs)
            if not has_rows and not head_path(db_path).exists():
                return [ChainReport(spec, 0, None, None, None) for spec in specs]
            missing_key = ChainBreak(
                None,
                str(key_path(db_path)),
                "key",
                f"no audit key: {key_path(db_path)} is missing and {KEY_ENV_VAR} is not set; the chain cannot be "
                "checked (the key file was removed, or this is not the deployment's key). Fix: give the key with "
                f"{KEY_FILE_ENV_VAR} or {KEY_ENV_VAR}.",
            )
            return [ChainReport(spec, 0, None, None, missing_key) for spec in specs[:1]]
        heads, head_problem = _check_record(head_path(db_path), "head", key)
        seen, seen_problem = _check_record(seen_path(db_path), "seen", key)
        for spec in specs:
            columns = {row[1] for row in connection.execute(f"PRAGMA table_info({spec.table})")}
            (count,) = connection.execute(f"SELECT COUNT(*) FROM {spec.table}").fetchone()
            problem = None
            if "row_hash" not in columns or "prev_hash" not in columns:
                problem = ChainBreak(
                    None,
                    spec.table,
                    "columns",
                    f"{spec.what}: the table has no hash columns (dropped): its {count} rows are unprotected.",
                )
            else:
                missing_head = heads is None and (count or (seen or {}).get(spec.name))
                record_problem = (
                    f"{spec.what}: {head_problem or seen_problem}."
                    if head_problem or seen_problem
                    else f"{spec.what}: the head record {head_path(db_path)} is missing: rows may have been removed "
                    "from the end (or the whole log) together with it."
                    if missing_head
                    else None
                )
                if record_problem:
                    # a broken row is named first (a forged or missing record only hides the tail)
                    rows_only = verify(connection, spec, key)
                    problem = (
                        rows_only.first_break
                        if rows_only.first_break is not None and rows_only.first_break.kind != "trigger"
                        else ChainBreak(None, str(head_path(db_path)), "head", record_problem)
                    )
            if problem is not None:
                reports.append(ChainReport(spec, count, None, None, problem))
                continue
            reports.append(
                verify(connection, spec, key, head=(heads or {}).get(spec.name), seen=(seen or {}).get(spec.name))
            )
        for index, report in enumerate(reports):
            if report.spec is AUDIT_LOG and report.intact:
                problem = verify_content(connection, report.sealed)
                if problem is not None:
                    reports[index] = ChainReport(
                        report.spec, report.rows, report.head_position, report.head_hash, problem, report.notes
                    )
        return reports
    finally:
        connection.close()
