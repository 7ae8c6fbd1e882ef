"""The audit log and the scenario versions are hash chains: writes around the app are caught by
``python -m planning audit --verify`` (issue 11, item 7)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from planning.scenarios import Site
from planning.store import chain
from planning.store.access import AccessStore, entries, record
from planning.store.scenarios import ScenarioStore

CENTRE = Site("c1", "Turkistan centre", "permanent", 43.2973, 68.2517)
ROWS = 5
"""Rows in each chain of the filled database."""


@pytest.fixture
def db(tmp_path):
    """A database written by the app: 5 audit entries, one scenario with 5 versions."""
    path = tmp_path / "qorgau.sqlite"
    store = ScenarioStore(path)
    scenario = store.create("Plan", "turkistan", [CENTRE], author="ana")  # audit entry 1, version 1
    for version in range(1, ROWS):
        store.save(
            scenario.scenario_id,
            [CENTRE, Site(f"s{version}", f"Site {version}", "permanent", 43.0, 68.0)],
            author="ana",
            base_version=version,
        )
    for i in range(2, ROWS + 1):
        record(AccessStore(path), user=f"user{i}", action="export", object=f"district report {i}")
    return path


def _tamper(path, *statements: str) -> None:
    """What someone with the database file and the sqlite3 shell can do (autocommit, triggers as they are)."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()


def _verify(cli, path):
    return cli("audit", "--verify", "--db", str(path))


def test_an_untouched_database_verifies_with_its_counts(db, cli):
    done = _verify(cli, db)
    assert done.returncode == 0, done.stderr
    assert f"audit log: {ROWS} rows, chain intact" in done.stdout
    assert f"scenario versions: {ROWS} rows, chain intact" in done.stdout
    heads = json.loads(chain.head_path(db).read_text())["chains"]
    assert {name: head["position"] for name, head in heads.items()} == {"audit_log": ROWS, "scenario_versions": ROWS}
    assert heads["audit_log"]["hash"] in done.stdout


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT OR REPLACE INTO audit_log (entry_id, at, user, action, object) "
        "VALUES (3, '2024-01-01T00:00:00+00:00', 'mallory', 'export', 'nothing')",
        "INSERT OR REPLACE INTO audit_log SELECT entry_id, at, 'mallory', action, object, prev_hash, row_hash, "
        "content FROM audit_log WHERE entry_id = 3",
        "UPDATE audit_log SET user = 'mallory' WHERE entry_id = 3",
        "DELETE FROM audit_log WHERE entry_id = 3",
        "INSERT OR REPLACE INTO scenario_versions (scenario_id, version, sites_json, author, action, saved_at) "
        "VALUES (1, 3, '[]', 'mallory', 'save', '2024-01-01T00:00:00+00:00')",
        "UPDATE scenario_versions SET author = 'mallory' WHERE version = 3",
        "DELETE FROM scenario_versions WHERE version = 3",
    ],
)
def test_the_triggers_refuse_rewriting(db, statement):
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        _tamper(db, statement)


@pytest.mark.parametrize(
    "drop, statement, row, kind",
    [
        # INSERT OR REPLACE deletes the old row without firing the delete trigger
        (
            "audit_log_chained",
            "INSERT OR REPLACE INTO audit_log (entry_id, at, user, action, object) "
            "VALUES (3, '2024-01-01T00:00:00+00:00', 'mallory', 'export', 'nothing')",
            "entry 3",
            "carries no chain hash",
        ),
        (
            "audit_log_chained",
            "INSERT OR REPLACE INTO audit_log SELECT entry_id, at, 'mallory', action, object, "
            "prev_hash, row_hash, content FROM audit_log WHERE entry_id = 3",
            "entry 3",
            "does not match its keyed hash",
        ),
        (
            "audit_log_no_update",
            "UPDATE audit_log SET user = 'mallory' WHERE entry_id = 3",
            "entry 3",
            "does not match its keyed hash",
        ),
        (
            "audit_log_no_delete",
            "DELETE FROM audit_log WHERE entry_id = 3",
            "entry 4",
            "does not follow the row before",
        ),
        (
            "audit_log_no_delete",
            f"DELETE FROM audit_log WHERE entry_id = {ROWS}",
            f"saw row {ROWS}",
            "removed from the end",
        ),
        (
            "scenario_versions_chained",
            "INSERT OR REPLACE INTO scenario_versions (scenario_id, version, sites_json, author, action, saved_at) "
            "VALUES (1, 3, '[]', 'mallory', 'save', '2024-01-01T00:00:00+00:00')",
            "scenario 1 version 3",
            "carries no chain hash",
        ),
        (
            "scenario_versions_no_update",
            "UPDATE scenario_versions SET sites_json = '[]' WHERE version = 3",
            "scenario 1 version 3",
            "does not match its keyed hash",
        ),
        (
            "scenario_versions_no_delete",
            "DELETE FROM scenario_versions WHERE version = 3",
            "scenario 1 version 4",
            "does not follow the row before",
        ),
        (
            "scenario_versions_no_delete",
            f"DELETE FROM scenario_versions WHERE version = {ROWS}",
            f"saw row {ROWS}",
            "removed from the end",
        ),
    ],
)
def test_verify_names_the_first_broken_row_of_a_write_around_the_triggers(db, cli, drop, statement, row, kind):
    _tamper(db, f"DROP TRIGGER {drop}", statement)
    done = _verify(cli, db)
    assert done.returncode == 1, done.stdout
    (error,) = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert row in error and kind in error, error
    assert "Traceback" not in done.stderr
    other = "scenario versions" if drop.startswith("audit_log") else "audit log"
    assert f"{other}: {ROWS} rows, chain intact" in done.stdout  # the other chain is reported as it is


def test_a_dropped_trigger_alone_is_reported_and_the_app_puts_it_back(db, cli):
    _tamper(db, "DROP TRIGGER audit_log_no_update")
    done = _verify(cli, db)
    assert done.returncode == 1 and "trigger audit_log_no_update is missing" in done.stderr
    AccessStore(db)  # the app opening the database installs the triggers again (verify itself only reads)
    assert _verify(cli, db).returncode == 0


def test_rows_after_a_break_cannot_be_hidden_by_new_writes(db, cli):
    _tamper(db, "DROP TRIGGER audit_log_no_delete", f"DELETE FROM audit_log WHERE entry_id = {ROWS}")
    AccessStore(db)
    record(AccessStore(db), user="mallory", action="export", object="a new last row")  # takes entry_id 5 again
    done = _verify(cli, db)
    assert done.returncode == 1 and "not the one the head record saw" in done.stderr
    assert [e.user for e in entries(AccessStore(db))][:2] == ["mallory", f"user{ROWS - 1}"]


def test_a_database_from_before_the_keyed_chain_is_sealed_only_by_an_audited_migration(tmp_path, cli):
    path = tmp_path / "old.sqlite"
    _tamper(
        path,  # the tables as the previous release wrote them
        "CREATE TABLE audit_log (entry_id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, "
        "user TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL)",
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TABLE scenarios (scenario_id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
        "region_id TEXT NOT NULL, created_at TEXT NOT NULL, deleted_at TEXT)",
        "CREATE TABLE scenario_versions (scenario_id INTEGER NOT NULL, version INTEGER NOT NULL, "
        "sites_json TEXT NOT NULL, author TEXT NOT NULL, action TEXT NOT NULL, restored_from INTEGER, "
        "saved_at TEXT NOT NULL, PRIMARY KEY (scenario_id, version))",
        "INSERT INTO audit_log (at, user, action, object) VALUES ('2024-01-01T00:00:00+00:00', 'root', "
        "'sign-in', 'password'), ('2024-01-01T00:01:00+00:00', 'ana', 'export', 'report')",
        "INSERT INTO scenarios VALUES (1, 'Old', 'turkistan', '2024-01-01T00:00:00+00:00', NULL)",
        "INSERT INTO scenario_versions VALUES (1, 1, '[]', 'ana', 'create', NULL, '2024-01-01T00:00:00+00:00'), "
        "(1, 2, '[]', 'ana', 'save', NULL, '2024-01-02T00:00:00+00:00')",
    )
    before = _verify(cli, path)
    assert before.returncode == 1 and "no audit key" in before.stderr  # an unkeyed log proves nothing
    store = ScenarioStore(path)  # opening it seals nothing: the old rows stay unsealed until migrated on purpose
    assert store.load(1).version == 2
    store.save(1, [CENTRE], author="bek", base_version=2)
    record(store, user="bek", action="export", object="report")
    migrated = cli("audit", "--migrate", "--db", str(path))
    assert migrated.returncode == 0, migrated.stderr
    assert "scenario_versions 3" in migrated.stdout
    assert entries(AccessStore(path))[0].action == "migrate audit chain"
    again = cli("audit", "--migrate", "--db", str(path))
    assert again.returncode == 2 and "keyed already" in again.stderr
    done = _verify(cli, path)
    assert done.returncode == 0, done.stderr
    assert "audit log: 4 rows, chain intact" in done.stdout and "scenario versions: 3 rows, chain intact" in done.stdout
    _tamper(path, "DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET user = 'x' WHERE entry_id = 1")
    assert "entry 1 does not match its keyed hash" in _verify(cli, path).stderr


def test_verify_without_a_database_is_invalid_input(tmp_path, cli):
    done = _verify(cli, tmp_path / "missing.sqlite")
    assert done.returncode == 2 and "no database file" in done.stderr


def test_a_head_record_that_cannot_be_written_does_not_lose_the_write(db, caplog):
    head = chain.head_path(db)
    head.unlink()
    head.mkdir()  # a folder where the file should be: the write fails
    record(AccessStore(db), user="ana", action="export", object="report")
    assert entries(AccessStore(db))[0].user == "ana"
    assert "chain record" in caplog.text
