"""Every way found to tamper with the database (issue 21), each checked by ``python -m planning audit --verify`` run
as a user runs it (a subprocess): exit 1 and the reason named.

The attacker holds the database folder (the database file, its head record) and the sqlite3 shell, but not the
audit key: the key file, and the high-water record beside it, live in a folder only the service account writes
(``QORGAU_AUDIT_KEY_FILE``), as the README asks of a deployment. Rerun: ``python -m pytest -q tests/test_tamper.py``.
"""

from __future__ import annotations

import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT, TINY

from geo.region import load_region
from planning.scenarios import Site
from planning.store import chain
from planning.store.access import AccessStore, create_user, record, write_audit
from planning.store.intake import IncidentStore, ingest_incidents
from planning.store.population import PopulationStore
from planning.store.scenarios import ScenarioStore
from planning.store.settings import RegionSettingsStore

PASSWORD = "correct horse battery staple"
CENTRE = Site("c1", "Centre", "permanent", 43.2973, 68.2517)


def _fill(path: Path) -> None:
    """A database as the app writes it: users, incident counts, populations, a scenario, region settings."""
    access = AccessStore(path)
    create_user(access, "root", role="admin", password=PASSWORD, by="setup")
    create_user(access, "bob", role="presenter", password=PASSWORD, by="root")
    region = load_region(TINY)
    done = ingest_incidents(
        b"settlement,period,count\ns1,2023,9\ns2,2023,14\n",
        filename="counts.csv",
        region=region,
        store=IncidentStore(path),
        user="root",
    )
    assert done.accepted, done.messages()
    with PopulationStore(path).transaction() as db:  # what ingest_populations writes, without a file to match
        (batch,) = db.execute(
            "INSERT INTO population_batches (region_id, file, matched, ambiguous, unmatched, uploaded_by, "
            "uploaded_at) VALUES (?, 'pop.csv', 2, 0, 0, 'root', datetime('now')) RETURNING batch_id",
            (region.region_id,),
        ).fetchone()
        db.executemany(
            "INSERT INTO settlement_populations (region_id, settlement_id, population, batch_id) VALUES (?, ?, ?, ?)",
            [(region.region_id, "s1", 1200.0, batch), (region.region_id, "s2", 800.0, batch)],
        )
        write_audit(db, user="root", action="upload populations", object="populations tiny")
    scenarios = ScenarioStore(path)
    scenario = scenarios.create("Plan", region.region_id, [CENTRE], author="root")
    scenarios.save(
        scenario.scenario_id, [CENTRE, Site("s", "S", "permanent", 43.0, 68.0)], author="root", base_version=1
    )
    settings = RegionSettingsStore(path)
    settings.set(region.region_id, "speeds", {"primary": 60.0}, user="root", action="set speeds")
    settings.set(region.region_id, "roads", {"file": "roads.gpkg", "ways": 120}, user="root", action="import roads")
    for i in range(3):
        record(access, user="root", action="export", object=f"report {i}")


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The filled database folder and key folder, made once; each test works on a copy."""
    base = tmp_path_factory.mktemp("tamper")
    (base / "db").mkdir()
    (base / "keys").mkdir()
    old = os.environ.get(chain.KEY_FILE_ENV_VAR)
    os.environ[chain.KEY_FILE_ENV_VAR] = str(base / "keys" / "audit.key")
    try:
        _fill(base / "db" / "qorgau.sqlite")
    finally:
        if old is None:
            os.environ.pop(chain.KEY_FILE_ENV_VAR)
        else:
            os.environ[chain.KEY_FILE_ENV_VAR] = old
    return base


@pytest.fixture
def world(template, tmp_path, monkeypatch):
    shutil.copytree(template, tmp_path / "w")
    monkeypatch.setenv(chain.KEY_FILE_ENV_VAR, str(tmp_path / "w" / "keys" / "audit.key"))
    monkeypatch.delenv(chain.KEY_ENV_VAR, raising=False)
    return tmp_path / "w"


def _db(world: Path) -> Path:
    return world / "db" / "qorgau.sqlite"


def verify(world: Path) -> subprocess.CompletedProcess:
    """``python -m planning audit --verify`` as a user runs it."""
    env = {**os.environ, chain.KEY_FILE_ENV_VAR: str(world / "keys" / "audit.key"), "QORGAU_LANG": "en"}
    return subprocess.run(
        [sys.executable, "-m", "planning", "audit", "--verify", "--db", str(_db(world))],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def sql(world: Path, *statements: str) -> None:
    """What someone with the database file and the sqlite3 shell can do."""
    connection = sqlite3.connect(_db(world), isolation_level=None)
    try:
        for statement in statements:
            connection.execute(statement)
    finally:
        connection.close()


def _head(world: Path) -> Path:
    return chain.head_path(_db(world))


def _last_entry(world: Path) -> int:
    connection = sqlite3.connect(_db(world))
    try:
        return connection.execute("SELECT MAX(entry_id) FROM audit_log").fetchone()[0]
    finally:
        connection.close()


def _append_forged(world: Path, digest) -> None:
    """Append an audit row with every trigger in place, its hash made by ``digest(prev_hash, values)``."""
    connection = sqlite3.connect(_db(world), isolation_level=None)
    try:
        entry, prev = connection.execute("SELECT entry_id, row_hash FROM audit_log ORDER BY entry_id DESC").fetchone()
        values = {"entry_id": entry + 1, "at": "2026-01-01T00:00:00+00:00", "user": "root", "action": "export"}
        values |= {"object": "nothing", "content": None}
        connection.execute(
            "INSERT INTO audit_log (entry_id, at, user, action, object, content, prev_hash, row_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (*values.values(), prev, digest(prev, values)),
        )
    finally:
        connection.close()


def _reseal_unkeyed(world: Path) -> None:
    """Change a row, recompute the whole chain as an unkeyed SHA-256 chain, write a matching head record."""
    connection = sqlite3.connect(_db(world), isolation_level=None)
    try:
        connection.execute("DROP TRIGGER audit_log_no_update")
        connection.execute("UPDATE audit_log SET user = 'mallory' WHERE entry_id = 2")
        prev = chain.GENESIS_HASH
        rows = connection.execute(
            "SELECT entry_id, at, user, action, object, content FROM audit_log ORDER BY entry_id"
        ).fetchall()
        for row in rows:
            values = dict(zip(chain.AUDIT_LOG.columns, row))
            digest = chain.legacy_row_hash(chain.AUDIT_LOG, prev, values)  # the previous release's chain code
            connection.execute(
                "UPDATE audit_log SET prev_hash = ?, row_hash = ? WHERE entry_id = ?",
                (prev, digest, values["entry_id"]),
            )
            prev = digest
        _head(world).write_text(json.dumps({"audit_log": {"position": rows[-1][0], "hash": prev}}))
    finally:
        connection.close()


def _restore_older(world: Path) -> None:
    """Copy the database and its head record, let the app write on, then put the old copies back."""
    saved = world / "saved"
    saved.mkdir()
    for path in (_db(world), _head(world)):
        shutil.copy2(path, saved / path.name)
    record(AccessStore(_db(world)), user="root", action="set role", object="user bob (presenter -> planner)")
    for path in (_db(world), _head(world)):
        shutil.copy2(saved / path.name, path)
    for extra in ("-wal", "-shm"):
        Path(str(_db(world)) + extra).unlink(missing_ok=True)


def _drop_hash_columns(world: Path, *, then_open: bool) -> None:
    sql(
        world,
        "CREATE TABLE audit_copy AS SELECT entry_id, at, user, action, object FROM audit_log",
        "DROP TABLE audit_log",
        "ALTER TABLE audit_copy RENAME TO audit_log",
    )
    _head(world).unlink()
    if then_open:
        AccessStore(_db(world))  # the app opening the database must not re-seal the rows


def _edit_head(world: Path) -> None:
    data = json.loads(_head(world).read_text())
    data["chains"]["audit_log"]["position"] -= 2
    _head(world).write_text(json.dumps(data))


MODES = {
    "audit row changed (trigger dropped)": (
        lambda w: sql(
            w, "DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET user = 'mallory' WHERE entry_id = 3"
        ),
        "entry 3 does not match its keyed hash",
    ),
    "audit row replaced (INSERT OR REPLACE, no hash)": (
        lambda w: sql(
            w,
            "DROP TRIGGER audit_log_chained",
            "INSERT OR REPLACE INTO audit_log (entry_id, at, user, action, object) "
            "VALUES (3, '2024-01-01T00:00:00+00:00', 'mallory', 'export', 'nothing')",
        ),
        "entry 3 carries no chain hash",
    ),
    "audit row deleted from the middle": (
        lambda w: sql(w, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE entry_id = 3"),
        "entry 4 does not follow the row before it",
    ),
    "last 3 audit rows deleted": (
        lambda w: sql(
            w, "DROP TRIGGER audit_log_no_delete", f"DELETE FROM audit_log WHERE entry_id > {_last_entry(w) - 3}"
        ),
        "rows were removed from the end",
    ),
    "last 3 audit rows and the head record deleted": (
        lambda w: (
            sql(w, "DROP TRIGGER audit_log_no_delete", f"DELETE FROM audit_log WHERE entry_id > {_last_entry(w) - 3}"),
            _head(w).unlink(),
        ),
        "head record",
    ),
    "whole audit log and the head record deleted": (
        lambda w: (sql(w, "DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log"), _head(w).unlink()),
        "is missing",
    ),
    "head record deleted": (lambda w: _head(w).unlink(), "is missing: rows may have been removed"),
    "head record edited": (_edit_head, "does not match its signature"),
    "hash columns dropped with the head record": (
        lambda w: _drop_hash_columns(w, then_open=False),
        "has no hash columns",
    ),
    "hash columns dropped, then the app opens the database (no silent re-seal)": (
        lambda w: _drop_hash_columns(w, then_open=True),
        "entry 1 carries no chain hash",
    ),
    "chain re-sealed without the key (unkeyed SHA-256, new head)": (_reseal_unkeyed, "entry 1 carries an unkeyed hash"),
    "forged row appended, unkeyed hash, triggers in place": (
        lambda w: _append_forged(w, lambda prev, v: chain.legacy_row_hash(chain.AUDIT_LOG, prev, v)),
        "carries an unkeyed hash",
    ),
    "forged row appended, hash keyed with a guessed key": (
        lambda w: _append_forged(w, lambda prev, v: chain.row_hash(chain.AUDIT_LOG, prev, v, b"guessed" * 8)),
        "does not match its keyed hash",
    ),
    "older copy of the database restored with its older head record": (_restore_older, "an older copy of the database"),
    "key file removed": (lambda w: (w / "keys" / "audit.key").unlink(), "no audit key"),
    "scenario version rewritten": (
        lambda w: sql(w, "DROP TRIGGER scenario_versions_no_update", "UPDATE scenario_versions SET sites_json = '[]'"),
        "scenario 1 version 1 does not match its keyed hash",
    ),
    "incident count +100": (
        lambda w: sql(w, "UPDATE incident_counts SET count = count + 100 WHERE settlement_id = 's1'"),
        "incident_counts: the rows differ",
    ),
    "presenter made admin": (
        lambda w: sql(w, "UPDATE users SET role = 'admin' WHERE username = 'bob'"),
        "changed: username bob, role admin",
    ),
    "admin user added": (
        lambda w: sql(
            w,
            "INSERT INTO users (username, role, password_hash, created_at, created_by) "
            "VALUES ('mallory', 'admin', 'x', '2026-01-01', 'root')",
        ),
        "added: username mallory, role admin",
    ),
    "population changed": (
        lambda w: sql(w, "UPDATE settlement_populations SET population = 99999 WHERE settlement_id = 's2'"),
        "changed: region_id tiny, settlement_id s2",
    ),
    "scenario renamed": (
        lambda w: sql(w, "UPDATE scenarios SET name = 'Other' WHERE scenario_id = 1"),
        "changed: scenario_id 1, name Other",
    ),
    "road network record changed": (
        lambda w: sql(w, "UPDATE region_settings SET value_json = '{\"ways\": 1}' WHERE key = 'roads'"),
        "changed: region_id tiny, key roads",
    ),
    "speed setting changed": (
        lambda w: sql(w, "UPDATE region_settings SET value_json = '{\"primary\": 120.0}' WHERE key = 'speeds'"),
        "changed: region_id tiny, key speeds",
    ),
    "count changed and the row digests rewritten to match": (
        lambda w: sql(
            w,
            "UPDATE incident_counts SET count = count + 100",
            "UPDATE chain_rows SET digest = '0' WHERE tbl = 'incident_counts'",
        ),
        "the rows cannot be named",
    ),
    "protecting trigger dropped": (
        lambda w: sql(w, "DROP TRIGGER audit_log_no_update"),
        "trigger audit_log_no_update is missing",
    ),
}
"""Tamper mode -> (what the attacker does to the world folder, the reason ``audit --verify`` must name)."""


def test_the_untouched_database_verifies(world):
    done = verify(world)
    assert done.returncode == 0, done.stderr
    assert "audit log:" in done.stdout and "chain intact" in done.stdout


@pytest.mark.parametrize("mode", list(MODES))
def test_each_tamper_mode_is_detected_with_its_reason(world, mode):
    tamper, reason = MODES[mode]
    tamper(world)
    done = verify(world)
    assert done.returncode == 1, (mode, done.stdout, done.stderr)
    assert reason in done.stderr, (mode, done.stderr)
    assert "Traceback" not in done.stderr


def test_the_key_folder_files_are_group_readable_only(world):
    for path in (world / "keys" / "audit.key", chain.seen_path(_db(world)), _head(world)):
        assert path.stat().st_mode & 0o777 == chain.FILE_MODE, path


def test_a_guessed_key_cannot_sign_a_head_record():
    assert chain._record_mac(b"k" * 32, "head", {}) != chain._record_mac(b"j" * 32, "head", {})
    assert hmac.compare_digest(chain._record_mac(b"k" * 32, "head", {}), chain._record_mac(b"k" * 32, "head", {}))
