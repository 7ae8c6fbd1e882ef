"""The one SQLite database file of a deployment: scenarios, incident counts, users and the audit log.

Each store subclasses :class:`SqliteStore` with its own tables; every operation is one short transaction, so two
sessions (or processes) writing at once wait for each other instead of losing a write. A database that cannot be
written (a read-only file or folder, a full disk) raises :class:`StorageError` with a message in the reader's
language; the transaction is rolled back, so what was stored before stays as it was.

Reading never writes: reads open SQLite ``mode=ro``; a store whose tables are in place opens without a write; and
a database its owner made read-only (a 0444 file or a 0555 folder, :func:`planning.store.readonly.read_only_file`)
is opened ``immutable=1`` (no ``-wal``/``-shm``/``-journal`` made), never migrated, and writes to it are refused
before they are tried.

PostgreSQL: with ``QORGAU_DATABASE_URL`` set (or a ``postgresql://`` URL or a ``*.pgstore`` store file given as
the path), the same stores run on PostgreSQL; every difference is in :mod:`planning.store.dialect` (the
connection, the translated SQL, the schema steps, the roles, the writer lock), none in the stores.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import platformdirs

from geo.errors import QorgauError
from geo.settings import env_value
from planning.store import chain, dialect
from planning.store.readonly import read_only_file, read_only_uri

DB_ENV_VAR = "QORGAU_SCENARIO_DB"
"""Environment variable naming the database file (scenarios, incident counts, users, audit)."""
DB_FILE_NAME = "scenarios.sqlite"
BUSY_TIMEOUT_MS = 10_000
"""How long a writer waits for another one, milliseconds."""


class StorageError(QorgauError, OSError):
    """The database cannot be written (or opened); nothing was changed.

    Attributes
    ----------
    reason : {"readonly", "full", "unavailable"}
    path : Path
    key : str
        Catalog entry of the message (msgctxt ``storage.<reason>`` in planning/translations/*.po).
    """

    _ENGLISH = {
        "readonly": "the database {path} is read-only: the change was not saved; stored data are untouched.",
        "full": "the disk holding the database {path} is full: the change was not saved; stored data are untouched.",
        "unavailable": "the database {path} cannot be opened: the change was not saved.",
    }

    def __init__(self, reason: str, path: Path):
        self.reason, self.path, self.key = reason, Path(path), f"storage.{reason}"
        super().__init__(self._ENGLISH[reason].format(path=path))

    def message(self, lang: str) -> str:
        """The message in ``lang`` (what happened, that nothing was lost, whom to ask)."""
        from planning.i18n import t

        return t(self.key, lang, path=str(self.path))


def storage_reason(error: Exception) -> str | None:
    """ "readonly", "full" or "unavailable" for the SQLite and OS errors of a database that cannot be written;
    None for any other error (a bug, a constraint), which is raised as it is."""
    if type(error).__module__.startswith("psycopg"):
        return dialect.storage_reason(error)
    text = str(error).lower()
    if isinstance(error, sqlite3.OperationalError | sqlite3.DatabaseError):
        if "readonly" in text or "read-only" in text:
            return "readonly"
        if "disk is full" in text or "database or disk is full" in text:
            return "full"
        if "unable to open" in text or "disk i/o error" in text:
            return "unavailable"
        return None
    if isinstance(error, PermissionError):
        return "readonly"
    if isinstance(error, OSError):
        return "full" if getattr(error, "errno", None) == 28 else "unavailable"  # 28: ENOSPC
    return None


def default_sqlite_path() -> Path:
    """The SQLite file named by ``QORGAU_SCENARIO_DB``, else one in the user's data folder."""
    value = env_value(DB_ENV_VAR)
    return Path(value).expanduser() if value else platformdirs.user_data_path("qorgau") / DB_FILE_NAME


def default_db_path() -> Path:
    """The deployment's database: with ``QORGAU_DATABASE_URL`` set, the store file naming that PostgreSQL database
    (in :func:`default_sqlite_path`'s folder, written when missing; see :mod:`planning.store.dialect`); else the
    SQLite file :func:`default_sqlite_path`."""
    sqlite_path = default_sqlite_path()
    return dialect.configured_store_file(sqlite_path.parent) or sqlite_path


def is_postgres(path: str | Path | None) -> bool:
    """Whether the database ``path`` (a file, a store file or a URL) is a PostgreSQL store."""
    return dialect.is_url(path) or dialect.is_store_file(path)


_SCHEMA_OBJECT = r"CREATE (?:TABLE|(?:UNIQUE )?INDEX|TRIGGER|VIEW) IF NOT EXISTS (\w+)"
"""A table, index, trigger or view a store's ``schema`` creates (its name is group 1)."""


def _table_statements(schema: str) -> list[tuple[str, str]]:
    """``(table, CREATE TABLE statement)`` of every persistent table that the SQL script ``schema`` creates."""
    found, pending = [], ""
    for line in schema.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statement, pending = pending.strip(), ""
            match = re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", statement)
            if match:
                found.append((match.group(1), statement))
    return found


_POSTGRES_READY: set[tuple[str, str]] = set()
"""PostgreSQL stores (URL, store class) whose schema this process found complete (checked once per process)."""


class _Connection(sqlite3.Connection):
    """A connection that remembers which hash chains it appended to (see :func:`planning.store.chain.append`), so the
    head record is written once the transaction has committed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # sqlite3.connect's arguments, passed on
        super().__init__(*args, **kwargs)
        self.chains_appended: dict[str, tuple[int, str]] = {}
        self.pending_audit: list[dict[str, object]] = []  # audit entries written at commit (chain.seal)
        self.db_path: Path | None = None  # the database file (where its audit key is found)


class SqliteStore:
    """One SQLite file holding the tables of ``schema`` (a class attribute of each subclass).

    Parameters
    ----------
    path : str or Path, optional
        Database file, created (with its folder) when missing. Default :func:`default_db_path`.
    """

    schema = ""

    def __init__(self, path: str | Path | None = None):
        if path is None:
            self.path = default_db_path()
        else:
            self.path = dialect.store_file_for(path, default_sqlite_path().parent) if is_postgres(path) else Path(path)
        self.postgres = dialect.is_store_file(self.path)
        if self.postgres:
            self._open_postgres()
            return
        if self.path.is_file() and self._schema_in_place():
            return  # nothing to create or migrate: opening writes nothing (a read-only database stays untouched)
        if self.path.is_file() and read_only_file(self.path):
            # a database its owner made read-only is never migrated (root could write it anyway): it is read as it
            # is, and a table of this store it lacks (nothing was ever stored there) reads as empty
            connection = self._connect(read_only=True)
            try:
                present = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
            except sqlite3.Error as exc:
                self._raise_storage_error(exc)
            finally:
                connection.close()
            self._empty_tables = [
                statement
                for name, statement in _table_statements(self.schema + chain.ROWS_SCHEMA)
                if name not in present
            ]
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = self._connect()
        except (sqlite3.Error, OSError) as exc:
            self._raise_storage_error(exc)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(f"BEGIN IMMEDIATE;{self.schema}{chain.ROWS_SCHEMA}COMMIT;")
            connection.execute("BEGIN IMMEDIATE")
            for spec in chain.CHAINS:  # chain columns, index and triggers of every chained table in the file
                chain.install(connection, spec)
            connection.execute("COMMIT")
        except (sqlite3.Error, OSError) as exc:
            if connection.in_transaction:
                connection.rollback()
            # a read-only database that has this store's tables can still be read: only writes fail (StorageError)
            if storage_reason(exc) != "readonly" or not self._has_schema(connection):
                self._raise_storage_error(exc)
        finally:
            connection.close()

    def _open_postgres(self) -> None:
        """Read the store file; make the schema (as the owner role) when a step is missing."""
        self.url, self.owner_url = dialect.read_store_file(self.path)
        ready = (self.url, type(self).__name__)
        if ready in _POSTGRES_READY:
            return
        statements = self._postgres_statements()
        try:
            connection = self._connect()
            try:
                complete = dialect.schema_complete(connection, statements)
            finally:
                connection.close()
            if not complete:
                owner = dialect.connect(self.owner_url or self.url, self.path)
                try:
                    dialect.create_schema(owner, dialect.url_role(self.url), statements)
                finally:
                    owner.close()
        except Exception as exc:
            self._raise_storage_error(exc)
        _POSTGRES_READY.add(ready)

    def _postgres_statements(self) -> list[str]:
        """What this store makes on PostgreSQL (SQLite's DDL, translated by the dialect): its tables with the
        columns and indexes older SQLite files get later (:data:`planning.store.dialect.TABLE_UPGRADES`),
        ``chain_rows``, and the triggers of the chained and covered tables among them."""
        script = self.schema + chain.ROWS_SCHEMA
        statements = [s for s in dialect.statements(script) if not s.upper().startswith("CREATE TEMP")]
        tables = re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", script)
        for table in tables:
            statements += dialect.TABLE_UPGRADES.get(table, ())
        for spec in chain.CHAINS:
            if spec.table in tables:
                order = f"{spec.table} ({spec.order_column})"
                statements.append(f"CREATE UNIQUE INDEX IF NOT EXISTS {spec.table}_chain_order ON {order}")
                statements += [*spec.triggers.values(), f"CREATE TRIGGER IF NOT EXISTS {spec.table}_no_truncate"]
        statements += [f"CREATE TRIGGER IF NOT EXISTS {c.table}_dirty" for c in chain.COVERED if c.table in tables]
        return statements

    def _schema_in_place(self) -> bool:
        """Whether the database already has everything opening it would create (this store's tables, indexes and
        triggers, the chain columns, indexes and triggers of every chained table present, WAL journal), checked
        on a read-only connection; False when it cannot be read (opening then reports why)."""
        wanted = {"chain_rows", *re.findall(_SCHEMA_OBJECT, self.schema)}
        try:
            connection = self._connect(read_only=True)
        except (sqlite3.Error, OSError):
            return False
        try:
            if connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                return False
            present = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
            if not wanted <= present:
                return False
            for spec in chain.CHAINS:
                columns = {row[1] for row in connection.execute(f"PRAGMA table_info({spec.table})")}
                if not columns:
                    continue
                needed = {*spec.columns, "prev_hash", "row_hash"}
                if not needed <= columns or not {f"{spec.table}_chain_order", *spec.triggers} <= present:
                    return False
            return True
        except sqlite3.Error:
            return False
        finally:
            connection.close()

    @property
    def read_only(self) -> bool:
        """Whether the database was made read-only by its owner (:func:`read_only_file`): only reads are tried."""
        return not self.postgres and self.path.is_file() and read_only_file(self.path)

    def _raise_storage_error(self, error: Exception):
        """Raise :class:`StorageError` for a database that cannot be written, else ``error`` itself."""
        reason = storage_reason(error)
        if reason is None:
            raise error
        raise StorageError(reason, self.path) from error

    def _has_schema(self, connection: sqlite3.Connection) -> bool:
        """Whether every table of ``schema`` is in the database."""
        wanted = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", self.schema))
        try:
            present = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error:
            return False
        return wanted <= present

    def _connect(self, *, read_only: bool = False) -> Any:
        """A connection to the database: read-write, or with ``read_only`` (and always for a database its owner
        made read-only, see :func:`read_only_file`) one that SQLite itself keeps from writing
        (:func:`read_only_uri`). On PostgreSQL a :class:`planning.store.dialect.PgConnection` (reads are read-only
        transactions)."""
        if self.postgres:
            return dialect.connect(self.url, self.path)
        if read_only or (self.path.is_file() and read_only_file(self.path)):
            target, uri = read_only_uri(self.path), True
        else:
            target, uri = str(self.path), False
        connection = sqlite3.connect(
            target, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, factory=_Connection, uri=uri
        )
        connection.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute("PRAGMA secure_delete = ON")  # replaced rows are overwritten, not left in free pages
        connection.db_path = self.path
        if uri:
            for statement in getattr(self, "_empty_tables", ()):  # only in this connection's temporary schema
                connection.execute(statement.replace("CREATE TABLE", "CREATE TEMP TABLE", 1))
        return connection

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[sqlite3.Connection]:
        """A connection inside ``BEGIN IMMEDIATE`` (or ``BEGIN`` to read); rolled back on any exception.

        After a commit that appended to a hash chain, the chain's head record is updated
        (:func:`planning.store.chain.record_heads`).

        Raises
        ------
        StorageError
            When the database is read-only, the disk is full or the file cannot be opened (the transaction is
            rolled back first, so nothing half-written stays).
        """
        if write and self.read_only:
            raise StorageError("readonly", self.path)  # refused before trying (root could write it anyway)
        try:
            connection = self._connect(read_only=not write)
        except Exception as exc:
            self._raise_storage_error(exc)
        errors: tuple[type[Exception], ...] = (sqlite3.Error, OSError)
        if self.postgres:
            import psycopg

            errors += (psycopg.OperationalError, psycopg.errors.InsufficientPrivilege)
        try:
            try:
                if self.postgres:
                    connection.begin(write=write)
                else:
                    connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                if write:
                    chain.watch(connection)  # notes which covered tables the transaction changes
                try:
                    yield connection
                    chain.seal(connection)  # the queued audit entries, sealing the changed tables' content
                except BaseException:
                    if connection.in_transaction:  # SQLite may have rolled back itself (a full disk)
                        connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
            except errors as exc:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                self._raise_storage_error(exc)
            chain.record_heads(
                self.path,
                getattr(connection, "chains_appended", None) or {},
                reset=getattr(connection, "chains_reset", False),
            )
        finally:
            connection.close()
