"""Moving a SQLite deployment into PostgreSQL (``python -m planning migrate-store --to postgresql://…``).

Every table of the SQLite file is copied into an empty PostgreSQL store in **one** transaction (as the owner role,
holding the writer lock), row keys and chain positions as they were, so that the hash chains and the content seals
(computed over the rows' values, :mod:`planning.store.chain`) hold unchanged. Before the commit the chains and
the seals are recomputed on the copy with the deployment's audit key; a break rolls everything back. After it,
the head and high-water records of the new store are written and the whole store is verified as ``audit
--verify`` does.

The audit key moves with the data: ``QORGAU_AUDIT_KEY`` (or ``QORGAU_AUDIT_KEY_FILE``) keeps naming it, or the key
file beside the SQLite file is copied beside the new store file (never over another key).
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from planning.store import chain, dialect
from planning.store.db import SqliteStore
from planning.store.readonly import read_only_uri

SKIPPED_TABLES = ("sqlite_sequence", "sqlite_stat1", "schema_version")
"""SQLite's own tables (and the schema record, which the target has its own of): not copied."""


class MigrateStoreError(ValueError):
    """The copy was refused or rolled back; nothing was written to the target (the message says why and the fix)."""


@dataclass(frozen=True)
class StoreMigration:
    """What :func:`migrate_store` did.

    Attributes
    ----------
    store_file : Path
        The new store's store file (give it as ``--db``, or set ``QORGAU_DATABASE_URL``).
    rows : dict of str to int
        Rows copied per table.
    reports : list of chain.ChainReport
        The new store's chains as ``audit --verify`` finds them.
    """

    store_file: Path
    rows: dict[str, int]
    reports: list[chain.ChainReport]

    @property
    def intact(self) -> bool:
        return all(report.intact for report in self.reports)


def migrate_store(
    source: str | Path, url: str, *, owner_url: str | None = None, folder: Path | None = None
) -> StoreMigration:
    """Copy the SQLite deployment ``source`` into the empty PostgreSQL database ``url`` (see the module docstring).

    Parameters
    ----------
    source : path
        The SQLite file.
    url : str
        ``postgresql://…`` of the app role.
    owner_url : str, optional
        The owner role's URL (it makes the schema and copies); default ``url``.
    folder : Path, optional
        Where the store file is written (default: the SQLite file's folder, where the imported road files are).

    Raises
    ------
    MigrateStoreError
        The source's chain is broken, the target holds rows already, a table or column has no place in the target,
        the key would clash, or the copy did not verify (rolled back).
    FileNotFoundError
        When there is no SQLite file at ``source``.
    """
    source = Path(source)
    if not source.is_file():
        raise FileNotFoundError(f"no SQLite database at {source}. Fix: give it with --db or QORGAU_SCENARIO_DB.")
    if not dialect.is_url(url):
        raise MigrateStoreError(f"{url!r} is not a postgresql:// URL. Fix: --to postgresql://user@host:port/db.")
    broken = [r.first_break.message for r in chain.verify_file(source) if r.first_break is not None]
    if broken:
        raise MigrateStoreError(
            f"{source}: the audit chain does not verify ({broken[0]}); a broken chain is not carried over. Fix: "
            "find out what happened (audit --verify), restore a good copy, then migrate."
        )
    key = chain.load_key(source)
    store_file = dialect.write_store_file(
        (folder or source.parent) / f"{dialect.store_name(url)}{dialect.STORE_FILE_SUFFIX}", url, owner_url
    )
    _carry_key(source, store_file)
    for store in _store_classes():  # each makes its tables (as the owner) when they are not there yet
        store(store_file)
    target = dialect.connect(dialect.with_password(dialect.remember(owner_url or url)), store_file)
    reader = sqlite3.connect(read_only_uri(source), uri=True)
    try:
        rows, heads = _copy(reader, target, key, source)
    finally:
        reader.close()
        target.close()
    chain.record_heads(store_file, heads)
    return StoreMigration(store_file, rows, chain.verify_file(store_file))


def _store_classes() -> list[type[SqliteStore]]:
    """Every store of this package: the ones named here, and any other subclass of SqliteStore defined in a
    ``planning.store`` module that was imported. The region scopes' store (``user_regions``) is one of them whether
    or not the caller imported it: on PostgreSQL the app role may not create a table, so a store left out here would
    be missing for the app. Subclasses defined elsewhere (a test's double with its own ``_connect``) are not stores
    of the deployment and are left out."""
    from planning.store import access, intake, population, regions, release, scenarios, settings

    found: list[type[SqliteStore]] = [access.AccessStore, scenarios.ScenarioStore, intake.IncidentStore]
    found += [population.PopulationStore, release.ReleaseSecretStore, settings.RegionSettingsStore]
    found += [regions.RegionScopeStore]
    pending = list(SqliteStore.__subclasses__())
    while pending:
        store = pending.pop()
        pending += store.__subclasses__()
        if store not in found and store.__module__.startswith(f"{__package__}."):
            found.append(store)
    return found


def _carry_key(source: Path, store_file: Path) -> None:
    """The source's key file copied beside the store file (nothing to do when the key is configured)."""
    old, new = chain.key_path(source), chain.key_path(store_file)
    if old == new or not old.is_file():
        return
    if new.is_file():
        if new.read_bytes().strip() != old.read_bytes().strip():
            raise MigrateStoreError(
                f"{new} holds another audit key than {old}: the copied chain would not verify with it. Fix: remove "
                f"{new} if it belongs to nothing, or set QORGAU_AUDIT_KEY_FILE={old}."
            )
        return
    shutil.copy2(old, new)
    new.chmod(chain.FILE_MODE)


def _tables_in_order(reader: sqlite3.Connection) -> list[str]:
    """The source's tables, each after the ones it references."""
    names = [
        name
        for (name,) in reader.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if name not in SKIPPED_TABLES
    ]
    needs = {name: {row[2] for row in reader.execute(f"PRAGMA foreign_key_list({name})")} - {name} for name in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [n for n in names if n not in ordered and needs[n] <= set(ordered)]
        if not ready:  # a cycle: keep the rest in name order (the copy is checked at commit)
            ready = [n for n in names if n not in ordered]
        ordered += ready
    return ordered


def _copy(
    reader: sqlite3.Connection, target: dialect.PgConnection, key: bytes | None, source: Path
) -> tuple[dict[str, int], dict[str, tuple[int, str]]]:
    """Copy every table in one transaction, check the chains and the seals on the copy, commit; (rows per table,
    chain heads)."""
    target.begin(write=True)
    try:
        present = {name for (name,) in target.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in sorted(present - {"schema_version"}):
            if target.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone():
                raise MigrateStoreError(
                    f"the target database is not empty (table {table} holds rows): migrate-store copies into an empty "
                    "one only, so that nothing is mixed or lost. Fix: give a new database (or schema), or empty it."
                )
        copied: dict[str, int] = {}
        for table in _tables_in_order(reader):
            if table not in present:
                raise MigrateStoreError(
                    f"{source}: table {table} has no place in the PostgreSQL schema. Fix: update Qorgau on the target "
                    "side (the schema steps of planning.store.dialect), then migrate again."
                )
            columns = [row[1] for row in reader.execute(f"PRAGMA table_info({table})")]
            wanted = {row[1] for row in target.execute(f"PRAGMA table_info({table})")}
            missing = [c for c in columns if c not in wanted]
            if missing:
                raise MigrateStoreError(
                    f"{source}: column {missing[0]} of table {table} has no place in the PostgreSQL schema. Fix: "
                    "update Qorgau on the target side, then migrate again."
                )
            needs_rowid = not any(row[5] for row in reader.execute(f"PRAGMA table_info({table})"))
            names = (["rowid"] if needs_rowid else []) + columns  # a table without a key keeps its row numbers
            data = reader.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
            quoted = ", ".join(f'"{c}"' for c in names)
            target.executemany(
                f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(names))})",
                sorted(data, key=_chain_order(table, names)),
            )
            copied[table] = len(data)
            for column in [*(["rowid"] if needs_rowid else []), dialect.IDENTITY_KEYS.get(table)]:
                if column:
                    target.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'), "
                        f"GREATEST(COALESCE(MAX({column}), 0), 1), MAX({column}) IS NOT NULL) FROM {table}"
                    )
        heads = _check_copy(target, key)
        target.execute("COMMIT")
    except BaseException:
        if target.in_transaction:
            target.execute("ROLLBACK")
        raise
    return copied, heads


def _chain_order(table: str, names: list[str]):
    """Sort key putting a chained table's rows in chain order (its insert trigger wants them so)."""
    for spec in chain.CHAINS:
        if spec.table == table and spec.order_column in names:
            index = names.index(spec.order_column)
            return lambda row: (row[index] is None, row[index] or 0)
    return lambda row: 0


def _check_copy(target: dialect.PgConnection, key: bytes | None) -> dict[str, tuple[int, str]]:
    """The chains and the content seals recomputed on the copy (inside its transaction); their heads."""
    heads: dict[str, tuple[int, str]] = {}
    if key is None:
        return heads
    for spec in chain.CHAINS:
        report = chain.verify(target, spec, key)  # type: ignore[arg-type]  # the sqlite3 API, on PostgreSQL
        if report.first_break is not None:
            raise MigrateStoreError(f"the copy does not verify, nothing was written: {report.first_break.message}")
        if report.head_position is not None and report.head_hash:
            heads[spec.name] = (report.head_position, report.head_hash)
        if spec is chain.AUDIT_LOG:
            problem = chain.verify_content(target, report.sealed)  # type: ignore[arg-type]
            if problem is not None:
                raise MigrateStoreError(f"the copy does not verify, nothing was written: {problem.message}")
    return heads
