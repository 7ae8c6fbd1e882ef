"""PostgreSQL as the store (issue 23, items 1 and 2): tamper evidence on a real server, the app role's limits, the
configuration by QORGAU_DATABASE_URL, and moving a SQLite deployment with ``migrate-store``.

The store tests themselves (scenarios, accounts, intake, populations, settings, release) run on SQLite and on
PostgreSQL through the ``db_at`` fixture (tests/conftest.py); these are the PostgreSQL-only ones."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
from urllib.parse import urlsplit

import pg
import psycopg
import pytest
from conftest import PROJECT

from planning.scenarios import Site
from planning.store import chain, dialect
from planning.store.access import AccessStore, create_user, entries, record
from planning.store.db import DB_ENV_VAR, StorageError, default_db_path
from planning.store.population import PopulationStore
from planning.store.scenarios import ScenarioStore
from planning.store.settings import RegionSettingsStore

CENTRE = Site("c1", "Turkistan centre", "permanent", 43.2973, 68.2517)
ROWS = 5
"""Rows in each chain of the filled database."""


def _fill(path):
    """ROWS audit entries and one scenario with ROWS versions, written by the app."""
    store = ScenarioStore(path)
    scenario = store.create("Plan", "turkistan", [CENTRE], author="ana")
    for version in range(1, ROWS):
        moved = Site("c1", "Turkistan centre", "permanent", 43.2973 + version / 100, 68.2517)
        store.save(scenario.scenario_id, [moved], author=f"user{version}", base_version=version)
        record(store, user=f"user{version}", action="export", object=f"report {version}")
    return store


@pytest.fixture
def pg_db(postgres_database, tmp_path):
    """A PostgreSQL store (its own schema) filled by the app."""
    path = pg.store_file(postgres_database, tmp_path)
    _fill(path)
    return path


def _verify(cli, path):
    return cli("audit", "--verify", "--db", str(path))


def _as_owner(path, *statements):
    """Statements run by the schema's owner, around the app (its triggers switched off for them when asked)."""
    with pg.raw_connection(path) as db:
        for statement in statements:
            db.raw.execute(statement)


def test_an_untouched_store_verifies(pg_db, cli):
    done = _verify(cli, pg_db)
    assert done.returncode == 0, done.stderr
    assert "audit log: 5 rows, chain intact" in done.stdout and "scenario versions: 5 rows" in done.stdout


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET \"user\" = 'mallory' WHERE entry_id = 2",
        "DELETE FROM audit_log WHERE entry_id = 2",
        "TRUNCATE audit_log",
        "UPDATE scenario_versions SET author = 'mallory'",
        "DELETE FROM scenario_versions",
        "TRUNCATE scenario_versions CASCADE",
    ],
)
def test_the_app_role_may_only_read_and_append_to_the_chains(pg_db, statement):
    with pg.raw_connection(pg_db, role="app") as db, pytest.raises(psycopg.errors.InsufficientPrivilege):
        db.raw.execute(statement)


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET \"user\" = 'mallory' WHERE entry_id = 2", "DELETE FROM audit_log", "TRUNCATE audit_log"],
)
def test_the_triggers_refuse_the_owner_too(pg_db, statement):
    with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="append-only"):
        _as_owner(pg_db, statement)


@pytest.mark.parametrize(
    "statement, message",
    [
        ("UPDATE audit_log SET \"user\" = 'mallory' WHERE entry_id = 3", "entry 3 does not match its keyed hash"),
        ("DELETE FROM audit_log WHERE entry_id = 3", "entry 4 does not follow the row before it"),
        ("DELETE FROM audit_log WHERE entry_id = (SELECT MAX(entry_id) FROM audit_log)", "removed from the end"),
        ("TRUNCATE audit_log", "rows were removed from the end"),
        ("UPDATE scenario_versions SET author = 'mallory' WHERE seq = 2", "version 2 does not match its keyed hash"),
        ("UPDATE users SET role = 'admin'", "changed behind the chain's back"),
    ],
)
def test_writes_around_the_triggers_are_caught_by_verify(pg_db, cli, statement, message):
    """The owner switches the triggers off, writes, and switches them on again: the chain shows it."""
    create_user(AccessStore(pg_db), "pat", role="presenter", password="correct horse battery", by="root")
    table = statement.split()[1] if not statement.startswith("DELETE") else statement.split()[2]
    _as_owner(
        pg_db,
        f"ALTER TABLE {table} DISABLE TRIGGER USER",
        statement,
        f"ALTER TABLE {table} ENABLE TRIGGER USER",
    )
    done = _verify(cli, pg_db)
    assert done.returncode == 1 and message in done.stderr, done.stderr


def test_a_trigger_left_off_is_caught(pg_db, cli):
    _as_owner(pg_db, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update")
    done = _verify(cli, pg_db)
    assert done.returncode == 1 and "trigger audit_log_no_update is missing" in done.stderr, done.stderr


def test_a_restored_older_copy_is_caught(pg_db, cli):
    """The owner keeps a copy of the tables and of the head record, the app writes on, then the copy is put back
    (rows and head record): the high-water record beside the key still knows the chain went further."""
    head = chain.head_path(pg_db)
    saved_head = head.read_bytes()
    _as_owner(pg_db, "CREATE TABLE old_audit AS SELECT * FROM audit_log")
    record(AccessStore(pg_db), user="ana", action="export", object="report 9")
    _as_owner(
        pg_db,
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "DELETE FROM audit_log",
        "INSERT INTO audit_log SELECT * FROM old_audit",
        "ALTER TABLE audit_log ENABLE TRIGGER USER",
    )
    head.write_bytes(saved_head)
    done = _verify(cli, pg_db)
    assert done.returncode == 1 and "an older copy of the database was restored" in done.stderr, done.stderr


def test_the_store_comes_from_the_environment_for_pages_and_commands(postgres_database, tmp_path, monkeypatch, cli):
    """QORGAU_DATABASE_URL set: default_db_path names its store file; the CLI writes and verifies there."""
    schema_file = pg.store_file(postgres_database, tmp_path / "made")
    app_url, owner_url = dialect.read_store_file(schema_file)
    monkeypatch.setenv(DB_ENV_VAR, str(tmp_path / "data" / "qorgau.sqlite"))
    monkeypatch.setenv(dialect.URL_ENV_VAR, app_url)
    monkeypatch.setenv(dialect.OWNER_URL_ENV_VAR, owner_url)
    path = default_db_path()
    assert path.parent == tmp_path / "data" and path.name.endswith(".pgstore")
    secret = urlsplit(app_url).password
    assert secret and secret not in path.read_text()  # the password stays in the environment
    assert json.loads(path.read_text())["url"] == dialect.without_password(app_url)
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse battery\n"))
    from planning.cli import main

    assert main(["create-admin", "--username", "root", "--password-stdin"]) == 0
    assert [e.action for e in entries(AccessStore())][:1] == ["create user"]
    done = cli("audit", "--verify")
    assert done.returncode == 0 and "audit log: 1 rows, chain intact" in done.stdout, done.stderr
    assert not (tmp_path / "data" / "qorgau.sqlite").exists()  # nothing went to SQLite


def _sqlite_deployment(folder):
    """A SQLite deployment with a row in every kind of table."""
    path = folder / "qorgau.sqlite"
    store = _fill(path)
    create_user(AccessStore(path), "pat", role="planner", password="correct horse battery", by="root")
    RegionSettingsStore(path).set("turkistan", "speeds", {"rows": [["primary", 60]]}, user="ana", action="edit")
    with PopulationStore(path).transaction() as db:  # a population batch as an upload leaves it
        db.execute(
            "INSERT INTO population_batches (region_id, file, matched, ambiguous, unmatched, uploaded_by, "
            "uploaded_at) VALUES ('turkistan', 'p.csv', 1, 0, 0, 'ana', '2026-01-01')"
        )
        db.execute(
            "INSERT INTO settlement_populations (region_id, settlement_id, population, batch_id) "
            "VALUES ('turkistan', 's1', 1250.5, 1)"
        )
        chain.audit(db, {"at": "2026-01-01T00:00:00+00:00", "user": "ana", "action": "upload", "object": "p"})
    return path, store


def test_migrate_store_copies_verifies_and_refuses_a_second_time(postgres_database, tmp_path, cli):
    source, store = _sqlite_deployment(tmp_path)
    before = [(s.name, s.version, s.sites) for s in store.list_scenarios("turkistan")]
    with pg.raw_connection(pg.store_file(postgres_database, tmp_path / "target")) as owner:
        (schema,) = owner.execute("SELECT current_schema()").fetchone()
    app_url, owner_url = postgres_database.schema_urls(schema)
    done = cli("migrate-store", "--db", str(source), "--to", app_url, "--owner-url", owner_url)
    assert done.returncode == 0, done.stderr
    audit_rows = {r.spec.name: r.rows for r in chain.verify_file(source)}["audit_log"]
    assert f"audit log: {audit_rows} rows, chain intact" in done.stdout and "scenario versions: 5 rows" in done.stdout
    target = next(tmp_path.glob("postgresql-*.pgstore"))  # beside the SQLite file (and its imported roads)
    assert [(s.name, s.version, s.sites) for s in ScenarioStore(target).list_scenarios("turkistan")] == before
    assert PopulationStore(target).populations("turkistan")["population"].tolist() == [1250.5]
    assert RegionSettingsStore(target).get("turkistan", "speeds").value == {"rows": [["primary", 60]]}
    assert chain.key_path(target).read_bytes() == chain.key_path(source).read_bytes()
    # the app goes on on the copy: new keys follow the copied ones, the chain stays intact
    copied = ScenarioStore(target).create("Next", "turkistan", [CENTRE], author="ana")
    assert copied.scenario_id == max(s.scenario_id for s in store.list_scenarios("turkistan")) + 1
    assert _verify(cli, target).returncode == 0
    again = cli("migrate-store", "--db", str(source), "--to", app_url, "--owner-url", owner_url)
    assert again.returncode == 2 and "the target database is not empty (table" in again.stderr, again.stderr


def test_migrate_store_refuses_a_broken_source(postgres_database, tmp_path, cli):
    source, _ = _sqlite_deployment(tmp_path)
    with sqlite3.connect(source) as db:
        db.execute("DROP TRIGGER audit_log_no_update")
        db.execute("UPDATE audit_log SET user = 'mallory' WHERE entry_id = 2")
    app_url, owner_url = postgres_database.schema_urls("public")
    done = cli("migrate-store", "--db", str(source), "--to", app_url, "--owner-url", owner_url)
    assert done.returncode == 2 and "the audit chain does not verify" in done.stderr, done.stderr


def test_a_server_that_does_not_answer_is_reported_and_nothing_is_half_done(tmp_path):
    port = pg._free_port()  # nothing listens there
    path = dialect.write_store_file(tmp_path / "gone.pgstore", f"postgresql://qorgau@127.0.0.1:{port}/qorgau")
    with pytest.raises(StorageError) as caught:
        ScenarioStore(path)
    assert caught.value.reason == "unavailable" and "cannot be opened" in str(caught.value)


def test_the_postgresql_tables_get_what_older_sqlite_files_are_upgraded_to():
    """The columns and the baseline's index and trigger a store's __init__ adds to an older SQLite file are made
    with the tables on PostgreSQL (the app role may not alter them later)."""
    from planning.store import access, scenarios

    users = {f"ALTER TABLE users ADD COLUMN IF NOT EXISTS {c} {d}" for c, d in access._USER_COLUMNS.items()}
    assert set(dialect.TABLE_UPGRADES["users"]) == users
    baseline = [s.split(" ON ")[0].split(" BEFORE ")[0] for s in scenarios._BASELINE_SCHEMA]
    assert [s.split(" ON ")[0] for s in dialect.TABLE_UPGRADES["scenarios"]] == baseline


def test_audit_migrate_has_nothing_to_do_on_postgresql(pg_db, cli):
    done = cli("audit", "--migrate", "--db", str(pg_db))
    assert done.returncode == 2 and "keyed from its start" in done.stderr, done.stderr
    assert _verify(cli, pg_db).returncode == 0  # and it changed nothing


def test_the_stores_made_by_the_owner_include_the_region_scopes_in_a_fresh_process():
    """migrate-store (and the multi-process tests' first start) make every store's tables as the owner, since the
    app role may not create one later: the region scopes' store is among them even in a process (``python -m
    planning migrate-store``) that never imported it."""
    listed = subprocess.run(
        [
            sys.executable,
            "-c",
            "from planning.store.migrate import _store_classes as s; print([c.__name__ for c in s()])",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    for name in ("AccessStore", "ScenarioStore", "IncidentStore", "PopulationStore", "RegionScopeStore"):
        assert repr(name) in listed, listed


def test_a_test_double_of_a_store_is_not_a_store_of_the_deployment():
    """migrate-store and a first start make the tables of the deployment's stores only: a subclass defined outside
    planning.store (a test's double reading a SQLite file) once made every PostgreSQL migration in the same process
    open the store file as SQLite."""
    from planning.store.migrate import _store_classes

    class Double(ScenarioStore):
        def _connect(self, *, read_only=False):
            raise AssertionError("a test double was opened as a store of the deployment")

    classes = _store_classes()
    assert Double not in classes and ScenarioStore in classes
    assert all(c.__module__.startswith("planning.store.") for c in classes)
